// The template miner (src/correlation/drain.ts) on small tables: which lines share a template,
// what the template says, and that a miner restored from its templates goes on as before.
import { expect } from 'chai';
import { TemplateMiner, WILDCARD, compare, type DrainSettings } from '../../../src/correlation/drain.js';
import { mineLines, parseCsv, scoreDataset } from '../../../src/scoring/loghub.js';

const split = (line: string) => line.split(' ');
const mine = (lines: string[], settings?: Partial<DrainSettings>) => {
  const miner = new TemplateMiner({ depth: 4, similarity: 0.5, maxChildren: 100, ...settings });
  const ids = lines.map((l) => miner.add(split(l)).template.id);
  return { miner, ids, templates: ids.map((id) => miner.template(id)!.tokens.join(' ')) };
};

describe('template miner (Drain)', () => {
  const table: Array<{ why: string; lines: string[]; groups: number[]; templates: string[]; settings?: Partial<DrainSettings> }> = [
    {
      why: 'lines that differ in a variable share a template, with a wildcard where they differ',
      lines: ['Disk /var on db1 is full', 'Disk /var on db2 is full'],
      groups: [1, 1],
      templates: ['Disk /var on <*> is full', 'Disk /var on <*> is full'],
    },
    {
      why: 'lines of different lengths never share a template',
      lines: ['backup of db1 failed', 'backup of db1 failed again'],
      groups: [1, 2],
      templates: ['backup of db1 failed', 'backup of db1 failed again'],
    },
    {
      why: 'a first token that differs leads to another branch of the tree',
      lines: ['PROBLEM host db1 down', 'RECOVERY host db1 down'],
      groups: [1, 2],
      templates: ['PROBLEM host db1 down', 'RECOVERY host db1 down'],
    },
    {
      why: 'a first token with a digit in it goes to the wildcard branch, so numbered lines group',
      lines: ['17 messages deferred today', '23 messages deferred today'],
      groups: [1, 1],
      templates: ['<*> messages deferred today', '<*> messages deferred today'],
    },
    {
      why: 'below the similarity threshold a line opens a new template',
      lines: ['job nightly ok in 3 minutes', 'job backup failed with code 2'],
      groups: [1, 2],
      templates: ['job nightly ok in 3 minutes', 'job backup failed with code 2'],
    },
    {
      why: 'a lower threshold lets the same lines share one',
      lines: ['job nightly ok in 3 minutes', 'job backup failed with code 2'],
      settings: { similarity: 0.1 },
      groups: [1, 1],
      templates: ['job <*> <*> <*> <*> <*>', 'job <*> <*> <*> <*> <*>'],
    },
    {
      why: 'a deeper tree tells lines apart by their second token too',
      lines: ['CPU load high on web1', 'CPU temperature high on web1'],
      settings: { depth: 5 },
      groups: [1, 2],
      templates: ['CPU load high on web1', 'CPU temperature high on web1'],
    },
    {
      why: 'a template turned wildcard keeps taking lines that fit it',
      lines: ['user alice logged in', 'user bob logged in', 'user carol logged in', 'user dave logged out'],
      groups: [1, 1, 1, 1],
      templates: ['user <*> logged <*>', 'user <*> logged <*>', 'user <*> logged <*>', 'user <*> logged <*>'],
    },
  ];

  for (const row of table) {
    it(row.why, () => {
      const { ids, templates } = mine(row.lines, row.settings);
      expect(ids).to.deep.equal(row.groups);
      expect(templates).to.deep.equal(row.templates);
    });
  }

  it('says whether a line changed or opened its template', () => {
    const miner = new TemplateMiner();
    expect(miner.add(split('fan 1 failed on db1'))).to.include({ created: true, changed: false });
    expect(miner.add(split('fan 1 failed on db1'))).to.include({ created: false, changed: false });
    const third = miner.add(split('fan 1 failed on db2'));
    expect(third).to.include({ created: false, changed: true });
    expect(third.template).to.deep.equal({ id: 1, tokens: ['fan', '1', 'failed', 'on', WILDCARD], size: 3 });
  });

  it('matches without changing anything', () => {
    const miner = new TemplateMiner();
    miner.add(split('fan 1 failed on db1'));
    expect(miner.match(split('fan 1 failed on db9'))?.id).to.equal(1);
    expect(miner.template(1)!.tokens).to.deep.equal(split('fan 1 failed on db1'));
    expect(miner.match(split('something else entirely here'))).to.equal(null);
  });

  it('restored from its templates, groups the next lines as the original miner does', () => {
    const lines = ['Disk /var on db1 is full', 'backup of db1 failed', 'Disk /var on db2 is full', 'user alice logged in'];
    const next = ['Disk /var on web3 is full', 'backup of db7 failed', 'a new kind of line', 'user bob logged in'];
    const original = new TemplateMiner();
    for (const l of lines) original.add(split(l));
    const restored = new TemplateMiner(original.settings, original.templates.map((t) => ({ ...t, tokens: [...t.tokens] })));
    for (const l of next) expect(restored.add(split(l)).template.id, l).to.equal(original.add(split(l)).template.id);
    expect(restored.templates).to.deep.equal(original.templates);
  });

  it('compares as Drain does: wildcards are not counted as equal, but favour the template', () => {
    expect(compare(['a', WILDCARD, 'c', 'd'], ['a', 'b', 'c', 'x'])).to.deep.equal({ similarity: 0.5, wildcards: 1 });
  });

  it('refuses a depth below 3', () => {
    expect(() => new TemplateMiner({ depth: 2, similarity: 0.5, maxChildren: 100 })).to.throw(/depth of at least 3/);
  });
});

describe('Loghub-2k scoring (npm run loghub)', () => {
  it('reads quoted CSV fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\n')).to.deep.equal([['a', 'b'], ['x, y', 'say "hi"\nthere']]);
  });

  it('masks the data set\'s expressions before mining, and names a group by its final template', () => {
    const templates = mineLines(['connect from 10.0.0.1 ok', 'connect from 10.0.0.2 ok', 'closed 3'], { regex: ['(\\d+\\.){3}\\d+'], st: 0.5, depth: 4 });
    expect(templates).to.deep.equal(['connect from <*> ok', 'connect from <*> ok', 'closed 3']);
  });

  it('scores grouping accuracy: a group counts only when it is exactly its labelled template', () => {
    const csv = ['LineId,Content,EventId', '1,open file a,E1', '2,open file b,E1', '3,disk full on x,E2', '4,disk full on y,E3'].join('\n');
    const result = scoreDataset('tiny', csv, { regex: [], st: 0.5, depth: 4 });
    // lines 1 and 2 are right; 3 and 4 share a group that mixes E2 and E3.
    expect(result).to.include({ lines: 4, templates: 2, groupingAccuracy: 0.5, publishedGA: null });
    expect(result.pairwiseF1).to.be.closeTo(2 / 3, 1e-9);
  });
});
