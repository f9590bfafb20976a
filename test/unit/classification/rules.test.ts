import { expect } from 'chai';
import { decide } from '../../../src/classification/classify.js';
import { compileRules, matchRules, programCost, ruleProblems, ruleSetProblems, serversOf, type MessageFacts, type RuleDefinition } from '../../../src/classification/rules.js';
import { parseTags } from '../../../src/classification/tags.js';

let nextId = 1;
function rule(partial: Partial<RuleDefinition> & Pick<RuleDefinition, 'conditions' | 'actions'>): RuleDefinition {
  const id = partial.id ?? nextId++;
  return { id, name: `rule ${id}`, position: id * 10, enabled: true, continue: false, override: false, ...partial };
}

function facts(partial: Partial<MessageFacts> = {}): MessageFacts {
  return { subject: '', body: '', from: '', headers: new Map(), servers: [], ...partial };
}

describe('rules', () => {
  describe('matching', () => {
    const backupFailed = rule({ id: 1, conditions: [{ field: 'subject', pattern: 'backup.*fail' }], actions: { severity: 'critical', org: 'ops.backup' } });
    const fromCron = rule({ id: 2, conditions: [{ field: 'from', pattern: '^cron@' }], actions: { org: 'ops.cron' } });
    const nagiosHeader = rule({ id: 3, conditions: [{ field: 'header', header: 'X-Nagios-Host', pattern: '^(?P<host>[a-z0-9.-]+)$' }], actions: { servers: ['$host'] } });

    it('matches case-insensitively unless told otherwise', () => {
      const compiled = compileRules([backupFailed, rule({ id: 9, conditions: [{ field: 'subject', pattern: 'BACKUP', caseSensitive: true }], actions: { org: 'x' } })]);
      expect(matchRules(compiled, facts({ subject: 'Nightly Backup FAILED' })).map((m) => m.rule.id)).to.deep.equal([1]);
    });

    it('stops at the first match unless the rule says continue', () => {
      const a = rule({ id: 10, position: 1, conditions: [{ field: 'subject', pattern: 'disk' }], actions: { severity: 'warn' } });
      const b = rule({ id: 11, position: 2, conditions: [{ field: 'subject', pattern: 'disk' }], actions: { org: 'ops.disk' } });
      const f = facts({ subject: 'disk full' });
      expect(matchRules(compileRules([b, a]), f).map((m) => m.rule.id)).to.deep.equal([10]);
      expect(matchRules(compileRules([b, { ...a, continue: true }]), f).map((m) => m.rule.id)).to.deep.equal([10, 11]);
    });

    it('needs every condition of a rule to match', () => {
      const both = rule({ id: 20, conditions: [{ field: 'subject', pattern: 'backup' }, { field: 'body', pattern: 'error' }], actions: { severity: 'critical' } });
      const compiled = compileRules([both]);
      expect(matchRules(compiled, facts({ subject: 'backup', body: 'all fine' }))).to.have.length(0);
      expect(matchRules(compiled, facts({ subject: 'backup', body: 'an error occurred' }))).to.have.length(1);
    });

    it('matches named headers and the servers the tags named', () => {
      const byServer = rule({ id: 30, conditions: [{ field: 'server', pattern: '^db\\d+\\.' }], actions: { org: 'ops.db' } });
      const compiled = compileRules([nagiosHeader, byServer]);
      const headers = new Map([['x-nagios-host', ['web3.example.com']]]);
      const [match] = matchRules(compiled, facts({ headers }));
      expect(match!.rule.id).to.equal(3);
      expect(serversOf(match!)).to.deep.equal(['web3.example.com']);
      expect(matchRules(compiled, facts({ servers: ['db2.example.com'] })).map((m) => m.rule.id)).to.deep.equal([30]);
    });

    it('ignores disabled rules', () => {
      expect(matchRules(compileRules([{ ...fromCron, enabled: false }]), facts({ from: 'cron@db1' }))).to.have.length(0);
    });

    it('drops a captured server name that is not an FQDN', () => {
      const [match] = matchRules(compileRules([nagiosHeader]), facts({ headers: new Map([['x-nagios-host', ['localhost']]]) }));
      expect(serversOf(match!)).to.deep.equal([]);
    });

    it('finishes at once on a catastrophic pattern and a 100 kB hostile body', () => {
      const evil = rule({ id: 40, conditions: [{ field: 'body', pattern: '(a+)+$' }, { field: 'body', pattern: '(x|x)*y' }, { field: 'body', pattern: '^(\\w+\\s?)*$' }], actions: { severity: 'critical' } });
      const body = `${'a'.repeat(50_000)}${'x'.repeat(50_000)}!`;
      // With a backtracking engine this call would not return in our lifetime.
      expect(matchRules(compileRules([evil]), facts({ body }))).to.have.length(0);
    });
  });

  describe('checking a rule before it is saved', () => {
    const cases: Array<[string, Parameters<typeof ruleProblems>[0], RegExp]> = [
      ['an invalid expression, with the engine\'s words', { name: 'x', conditions: [{ field: 'subject', pattern: '(unclosed' }], actions: { org: 'a' } }, /\/\(unclosed\/ is not a valid expression: missing \)/],
      ['a backreference (not linear-time)', { name: 'x', conditions: [{ field: 'body', pattern: '(a)\\1' }], actions: { org: 'a' } }, /invalid escape sequence/],
      ['a lookahead (not linear-time)', { name: 'x', conditions: [{ field: 'body', pattern: '(?=a)' }], actions: { org: 'a' } }, /invalid perl operator/],
      ['no condition', { name: 'x', conditions: [], actions: { org: 'a' } }, /at least one condition/],
      ['no action', { name: 'x', conditions: [{ field: 'subject', pattern: 'a' }], actions: {} }, /at least one action/],
      ['a bad org', { name: 'x', conditions: [{ field: 'subject', pattern: 'a' }], actions: { org: 'A B' } }, /not an org path/],
      ['a capture group nobody defines', { name: 'x', conditions: [{ field: 'subject', pattern: 'a' }], actions: { servers: ['$host'] } }, /no condition has a group named "host"/],
      ['a header condition without a name', { name: 'x', conditions: [{ field: 'header', pattern: 'a' }], actions: { org: 'a' } }, /header's name/],
      ['an empty pattern, which matches every message', { name: 'x', conditions: [{ field: 'subject', pattern: '' }], actions: { org: 'a' } }, /an empty pattern matches every message/],
      ['a pattern that matches the empty text, hence every message', { name: 'x', conditions: [{ field: 'body', pattern: '(disk)*' }], actions: { org: 'a' } }, /matches every message \(it matches even an empty text\)/],
      ['a pattern longer than 1000 characters', { name: 'x', conditions: [{ field: 'body', pattern: `${'x'.repeat(1001)}` }], actions: { org: 'a' } }, /is longer than 1000 characters/],
      ['a small pattern that thrashes RE2 (a[ab]{990}$)', { name: 'x', conditions: [{ field: 'body', pattern: 'a[ab]{990}$' }], actions: { org: 'a' } }, /too costly to match \(about 993 steps per character, at most 500\)/],
      ['nested counted repetitions', { name: 'x', conditions: [{ field: 'body', pattern: '((ab){20}c){20}' }], actions: { org: 'a' } }, /too costly to match/],
    ];
    for (const [what, draft, problem] of cases) {
      it(`refuses ${what}`, () => expect(ruleProblems(draft).join('; ')).to.match(problem));
    }
    it('quotes an oversized pattern cut short, in its own words and in the engine\'s', () => {
      const huge = `${'(a|b)'.repeat(20_000)}`;
      const [tooLong] = ruleProblems({ name: 'x', conditions: [{ field: 'body', pattern: huge }], actions: { org: 'a' } });
      expect(tooLong).to.equal('/(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)…/ (100000 characters) is longer than 1000 characters');
      const [invalid] = ruleProblems({ name: 'x', conditions: [{ field: 'body', pattern: `${'y'.repeat(400)}(` }], actions: { org: 'a' } });
      expect(invalid!.length).to.be.lessThan(300);
      expect(invalid).to.match(/^\/y{60}…\/ \(401 characters\) is not a valid expression: missing \): y{60}…/);
    });

    it('estimates what a pattern costs RE2, growing with counted repetitions', () => {
      expect(programCost('backup.*fail')).to.equal(12);
      expect(programCost('disk (?P<pct>\\d{1,3})% on')).to.be.lessThan(20);
      expect(programCost('a[ab]{990}$')).to.equal(993);
      expect(programCost('\\x{2028}\\p{Greek}{2}\\pL')).to.equal(5);
      expect(programCost('((a{10}){10}){5}')).to.be.greaterThan(500);
    });

    it('refuses, beside the other rules, a field whose conditions cost too much or are too large for the engine together', () => {
      const literal = (n: number) => rule({ conditions: [{ field: 'subject', pattern: `${String(n).padStart(4, '0')}${'x'.repeat(74)}` }], actions: { org: 'a' } });
      expect(ruleSetProblems(Array.from({ length: 250 }, (_, i) => literal(i)))).to.deep.equal([]);
      expect(ruleSetProblems(Array.from({ length: 300 }, (_, i) => literal(i))).join()).to.match(/the 300 enabled conditions on subject would cost about 23400 steps per character together, at most 20000/);
    });

    it('classifies by the rules the engine can compile when their combined set is too large for it', () => {
      // Each alone compiles; together they exceed the engine's memory budget for one set.
      const big = rule({ id: 70, conditions: [{ field: 'body', pattern: 'y'.repeat(41_000) }], actions: { org: 'big.one' } });
      const bigger = rule({ id: 71, conditions: [{ field: 'body', pattern: 'z'.repeat(41_000) }], actions: { org: 'big.two' } });
      const small = rule({ id: 72, conditions: [{ field: 'body', pattern: 'replication' }], actions: { org: 'ops.db' } });
      const compiled = compileRules([big, bigger, small]);
      expect(matchRules(compiled, facts({ body: 'replication broken' })).map((m) => m.rule.id)).to.deep.equal([72]);
      // Built in parts, every condition kept.
      expect(compiled.sets.get('body')!.parts.length).to.be.greaterThan(1);
      expect(compiled.unusable).to.deep.equal([]);
    });

    it('accepts a good rule', () => {
      expect(ruleProblems({ name: 'ok', conditions: [{ field: 'subject', pattern: '(?P<h>db\\d+\\.example\\.com)' }], actions: { servers: ['$h', 'lb.example.com'], severity: 'warn' } })).to.deep.equal([]);
    });
  });

  describe('deciding the classification: tags first, rules fill the gaps', () => {
    const setsAll = rule({ id: 50, conditions: [{ field: 'subject', pattern: 'x' }], actions: { severity: 'critical', org: 'rule.org', servers: ['r.example.com'], schedule: { period: 'day', n: 1, v: 0 } } });
    const classifyWith = (subject: string, rules: RuleDefinition[]) => {
      const tags = parseTags(subject, '');
      return decide(tags, matchRules(compileRules(rules), facts({ subject, servers: tags.servers })));
    };

    it('lets rules fill only what the tags left empty, and says who decided each field', () => {
      const c = classifyWith('x :warn: :svr:t.example.com', [setsAll]);
      expect(c).to.deep.include({ severity: 'warn', org: 'rule.org', servers: ['t.example.com'], schedule: { period: 'day', n: 1, v: 0 }, by: 'rule:50' });
      expect(c.decidedBy).to.deep.equal({ severity: 'tag', servers: 'tag', org: 'rule:50', schedule: 'rule:50' });
    });

    it('lets an overriding rule replace what the tags said', () => {
      const c = classifyWith('x :warn: :org:tag.org: :svr:t.example.com', [{ ...setsAll, override: true }]);
      expect(c).to.deep.include({ severity: 'critical', org: 'rule.org', servers: ['r.example.com'], by: 'rule:50' });
    });

    it('says "tag" when the tags decided and "none" when nothing did', () => {
      expect(classifyWith(':org:a.b: x', []).by).to.equal('tag');
      expect(classifyWith('plain', []).by).to.equal('none');
      expect(classifyWith('plain', []).org).to.equal(null);
    });

    it('keeps the first rule\'s value when a later continuing rule sets the same field, but adds up servers', () => {
      const first = rule({ id: 60, position: 1, continue: true, conditions: [{ field: 'subject', pattern: 'x' }], actions: { org: 'first', servers: ['a.example.com'] } });
      const second = rule({ id: 61, position: 2, conditions: [{ field: 'subject', pattern: 'x' }], actions: { org: 'second', severity: 'info', servers: ['b.example.com'] } });
      const c = classifyWith('x', [first, second]);
      expect(c).to.deep.include({ org: 'first', severity: 'info', servers: ['a.example.com', 'b.example.com'] });
      expect(c.decidedBy).to.deep.equal({ org: 'rule:60', severity: 'rule:61', servers: 'rule:60' });
    });
  });
});
