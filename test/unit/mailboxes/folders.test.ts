import { expect } from 'chai';
import fc from 'fast-check';
import {
  claimFolder,
  classFolder,
  completedFolder,
  DEFAULT_ROOT,
  folderMeaningOf,
  folderPath,
  rootSegments,
  safeSegment,
  SEVERITY_KEYWORDS,
  severityKeyword,
  unclassifiedFolder,
  type FolderSpec,
} from '../../../src/mailboxes/folders.js';
import { isDatamerError } from '../../../src/errors.js';

describe('the folders DaTamer keeps in a shared mailbox', () => {
  describe('layout', () => {
    it('files an org path as one folder per segment under the root', () => {
      expect(classFolder(DEFAULT_ROOT, 'datamer.frontend.ui')).to.deep.equal({
        role: 'class',
        org: 'datamer.frontend.ui',
        handle: null,
        segments: ['DaTamer', 'datamer', 'frontend', 'ui'],
      });
    });

    it('keeps Unclassified beside the org folders', () => {
      expect(unclassifiedFolder('DaTamer')).to.deep.equal({ role: 'unclassified', org: null, handle: null, segments: ['DaTamer', 'Unclassified'] });
    });

    it("puts an engineer's claim folder and the completed folder inside the classification folder", () => {
      expect(claimFolder('DaTamer', 'datamer.frontend.ui', 'alice')).to.deep.equal({
        role: 'claim',
        org: 'datamer.frontend.ui',
        handle: 'alice',
        segments: ['DaTamer', 'datamer', 'frontend', 'ui', '@alice'],
      });
      expect(completedFolder('DaTamer', 'datamer.frontend.ui')).to.deep.equal({
        role: 'completed',
        org: 'datamer.frontend.ui',
        handle: null,
        segments: ['DaTamer', 'datamer', 'frontend', 'ui', 'completed'],
      });
    });

    it('reads a root typed with "/" as several levels, whatever the server delimiter', () => {
      const spec = classFolder('Ops/DaTamer', 'db');
      expect(spec.segments).to.deep.equal(['Ops', 'DaTamer', 'db']);
      expect(folderPath(spec, '.')).to.equal('Ops.DaTamer.db');
      expect(rootSegments(' /Ops//DaTamer/ ')).to.deep.equal(['Ops', 'DaTamer']);
    });

    for (const root of ['', '/', ' / ']) {
      it(`refuses the root ${JSON.stringify(root)}, which names no folder`, () => {
        expect(() => unclassifiedFolder(root)).to.throw().that.satisfies((e: unknown) => isDatamerError(e, 'INPUT_INVALID'));
      });
    }

    for (const org of ['', 'a..b', 'Upper.case', 'a.b.', 'sp ace']) {
      it(`refuses to make a folder for the malformed org ${JSON.stringify(org)}`, () => {
        expect(() => classFolder('DaTamer', org)).to.throw(/not an org path/);
      });
    }
  });

  describe('names that could clash', () => {
    it("keeps engineer alice's claim folder apart from the child org a.b.alice", () => {
      const claim = folderPath(claimFolder('DaTamer', 'a.b', 'alice'), '/');
      const child = folderPath(classFolder('DaTamer', 'a.b.alice'), '/');
      expect(claim).to.equal('DaTamer/a/b/@alice');
      expect(child).to.equal('DaTamer/a/b/alice');
    });

    it('gives an engineer whose handle is "completed" a claim folder, not the completed folder', () => {
      expect(folderPath(claimFolder('DaTamer', 'a', 'completed'), '/')).to.equal('DaTamer/a/@completed');
      expect(folderPath(completedFolder('DaTamer', 'a'), '/')).to.equal('DaTamer/a/completed');
    });

    it('writes an org segment named "completed" so that it is not the completed folder of its parent', () => {
      expect(folderPath(classFolder('DaTamer', 'jobs.completed'), '/')).to.equal('DaTamer/jobs/completed (org)');
      expect(folderPath(claimFolder('DaTamer', 'jobs.completed', 'bob'), '/')).to.equal('DaTamer/jobs/completed (org)/@bob');
    });

    it('keeps a top-level org "unclassified" apart from Unclassified, also on servers that ignore case', () => {
      expect(folderPath(classFolder('DaTamer', 'unclassified'), '/')).to.equal('DaTamer/unclassified (org)');
      expect(folderPath(unclassifiedFolder('DaTamer'), '/')).to.equal('DaTamer/Unclassified');
    });

    for (const reserved of ['cur', 'new', 'tmp']) {
      it(`renames an org segment "${reserved}", which Dovecot's maildir layout refuses as a folder name`, () => {
        expect(classFolder('DaTamer', `app.${reserved}`).segments.at(-1)).to.equal(`${reserved} (org)`);
      });
    }
  });

  describe('on the server', () => {
    const table: Array<[string, FolderSpec, string | null, string]> = [
      ['a slash-delimited server (Gmail, Exchange, Dovecot fs)', claimFolder('DaTamer', 'datamer.frontend.ui', 'alice'), '/', 'DaTamer/datamer/frontend/ui/@alice'],
      ['a dot-delimited server (Courier, Dovecot maildir++)', claimFolder('DaTamer', 'datamer.frontend.ui', 'alice'), '.', 'DaTamer.datamer.frontend.ui.@alice'],
      ['a flat server, joined with dots', claimFolder('DaTamer', 'datamer.frontend.ui', 'alice'), null, 'DaTamer.datamer.frontend.ui.@alice'],
      ['a handle with a dot, on a dot-delimited server', claimFolder('DaTamer', 'db', 'j.doe'), '.', 'DaTamer.db.@j\u2024doe'],
      ['a handle with a dot, on a slash-delimited server', claimFolder('DaTamer', 'db', 'j.doe'), '/', 'DaTamer/db/@j.doe'],
      ['a handle with a dot, on a flat server', claimFolder('DaTamer', 'db', 'j.doe'), null, 'DaTamer.db.@j\u2024doe'],
      ['a root with a dot, on a dot-delimited server', unclassifiedFolder('Alerts v1.2'), '.', 'Alerts v1\u20242.Unclassified'],
      ['a root with spaces and non-ASCII', unclassifiedFolder('Überwachung Team'), '/', 'Überwachung Team/Unclassified'],
      ['a backslash delimiter', claimFolder('DaTamer', 'db', 'alice'), '\\', 'DaTamer\\db\\@alice'],
    ];
    for (const [what, spec, delimiter, expected] of table) {
      it(`names the folder for ${what}: ${expected}`, () => {
        expect(folderPath(spec, delimiter)).to.equal(expected);
      });
    }
  });

  describe('one safe segment', () => {
    const table: Array<[string, string | null, string]> = [
      ['a/b', '/', 'a\u2215b'],
      ['a/b', '.', 'a\u2215b'], // `/` is a directory separator on file-backed servers whatever the delimiter
      ['a.b', '.', 'a\u2024b'],
      ['a.b', '/', 'a.b'],
      ['a.b', null, 'a\u2024b'],
      ['a#b', '#', 'a_b'], // a delimiter without a lookalike
      ['a\\b', '/', 'a\u2216b'],
      ['100%', '/', '100\uFF05'],
      ['*all*', '/', '\u2217all\u2217'],
      ['tab\there', '/', 'tab_here'],
      ['bell\u0007\u007f\u0085', '/', 'bell___'],
      ['  padded\t ', '/', 'padded'],
      ['', '/', '_'],
      ['   ', '/', '_'],
      ['keeps spaces (and parens)', '/', 'keeps spaces (and parens)'],
      ['café 東京 &Co', '/', 'café 東京 &Co'],
      ['x', '', 'x'], // an empty delimiter counts as none
    ];
    for (const [name, delimiter, expected] of table) {
      it(`writes ${JSON.stringify(name)} as ${JSON.stringify(expected)} when the delimiter is ${JSON.stringify(delimiter)}`, () => {
        expect(safeSegment(name, delimiter)).to.equal(expected);
      });
    }

    it('never leaves a delimiter, a wildcard or a control character, and never returns an empty name', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('/', '.', null), (name, delimiter) => {
          const safe = safeSegment(name, delimiter);
          expect(safe).to.not.equal('');
          expect(safe).to.not.match(/[/%*\\\u0000-\u001f\u007f-\u009f]/);
          if (delimiter !== '/') expect(safe).to.not.include(delimiter ?? '.');
          expect(safe).to.equal(safe.trim());
        }),
      );
    });
  });

  describe('every folder has its own name', () => {
    const orgSegment = fc.oneof(
      fc.constantFrom('completed', 'unclassified', 'new', 'tmp', 'alice', 'j', 'doe', 'ui'),
      fc.stringMatching(/^[a-z0-9_-]{1,8}$/),
    );
    const org = fc.array(orgSegment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
    const handle = fc.oneof(fc.constantFrom('completed', 'alice', 'j.doe', 'unclassified', 'new'), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/));
    const spec = fc.oneof(
      fc.constant(unclassifiedFolder(DEFAULT_ROOT)),
      org.map((o) => classFolder(DEFAULT_ROOT, o)),
      org.map((o) => completedFolder(DEFAULT_ROOT, o)),
      fc.tuple(org, handle).map(([o, h]) => claimFolder(DEFAULT_ROOT, o, h)),
    );
    const key = (s: FolderSpec) => JSON.stringify([s.role, s.org, s.handle]);

    for (const delimiter of ['/', '.', null]) {
      it(`gives two different folders two different names with delimiter ${JSON.stringify(delimiter)}`, () => {
        fc.assert(
          fc.property(spec, spec, (a, b) => {
            if (key(a) !== key(b)) expect(folderPath(a, delimiter)).to.not.equal(folderPath(b, delimiter));
          }),
          { numRuns: 2000 },
        );
      });

      it(`gives distinct names to a whole team's folders with delimiter ${JSON.stringify(delimiter)}, case ignored`, () => {
        const orgs = ['a', 'a.b', 'a.b.alice', 'a.b.completed', 'a.completed', 'unclassified', 'a.b.j', 'a.new'];
        const handles = ['alice', 'completed', 'j.doe', 'j', 'unclassified'];
        const specs = [unclassifiedFolder(DEFAULT_ROOT), ...orgs.flatMap((o) => [classFolder(DEFAULT_ROOT, o), completedFolder(DEFAULT_ROOT, o), ...handles.map((h) => claimFolder(DEFAULT_ROOT, o, h))])];
        const paths = specs.map((s) => folderPath(s, delimiter).toLowerCase());
        expect(new Set(paths).size).to.equal(specs.length);
      });
    }
  });

  describe('a folder found in the mailbox (made by hand, or by another process)', () => {
    const meaning = (path: string, delimiter: string | null = '/', prefix = '', root = DEFAULT_ROOT) => {
      const spec = folderMeaningOf(path, root, delimiter, prefix);
      return spec && { role: spec.role, org: spec.org, handle: spec.handle };
    };
    const cases: Array<[string, string | null, string, { role: string; org: string | null; handle: string | null } | null]> = [
      ['DaTamer/acme/db/@dave', '/', '', { role: 'claim', org: 'acme.db', handle: 'dave' }],
      ['DaTamer/acme/db/completed', '/', '', { role: 'completed', org: 'acme.db', handle: null }],
      ['DaTamer/acme/web', '/', '', { role: 'class', org: 'acme.web', handle: null }],
      ['DaTamer/Unclassified', '/', '', { role: 'unclassified', org: null, handle: null }],
      ['DaTamer/acme/completed (org)/@ann', '/', '', { role: 'claim', org: 'acme.completed', handle: 'ann' }],
      ['INBOX.DaTamer.acme.db.@dave', '.', 'INBOX.', { role: 'claim', org: 'acme.db', handle: 'dave' }],
      // Not named as DaTamer names its folders: left alone.
      ['DaTamer/Acme/db', '/', '', null],
      ['DaTamer/acme/db/old stuff', '/', '', null],
      ['DaTamer/Replies', '/', '', null],
      ['DaTamer/completed', '/', '', null],
      ['DaTamer/@dave', '/', '', null],
      ['DaTamer', '/', '', null],
      ['Archive/acme/db', '/', '', null],
      ['DaTamer/acme/db', '.', 'INBOX.', null],
    ];
    for (const [path, delimiter, prefix, expected] of cases) {
      it(`${JSON.stringify(path)} (delimiter ${JSON.stringify(delimiter)}) is ${expected ? `${expected.role} ${expected.org ?? ''} ${expected.handle ?? ''}`.trim() : 'not DaTamer\'s'}`, () => {
        expect(meaning(path, delimiter, prefix)).to.deep.equal(expected);
      });
    }

    it('reads back every folder DaTamer names', () => {
      fc.assert(
        fc.property(fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), fc.constantFrom('/', '.'), (segments, handle, delimiter) => {
          const org = segments.join('.');
          for (const spec of [classFolder('Ops/DaTamer', org), claimFolder('Ops/DaTamer', org, handle), completedFolder('Ops/DaTamer', org)]) {
            const found = folderMeaningOf(folderPath(spec, delimiter), 'Ops/DaTamer', delimiter, '');
            expect(found).to.deep.equal(spec);
          }
        }),
      );
    });
  });

  describe('severity keywords', () => {
    it('marks each severity with its own keyword', () => {
      expect(severityKeyword('critical')).to.equal('datamer-critical');
      expect(SEVERITY_KEYWORDS).to.deep.equal(['datamer-info', 'datamer-warn', 'datamer-critical']);
    });

    it('uses only characters an IMAP keyword atom allows (RFC 3501 §9: no atom-specials)', () => {
      for (const keyword of SEVERITY_KEYWORDS) expect(keyword).to.match(/^[^\s(){%*"\\\]\u0000-\u001f\u007f]+$/).and.not.match(/^\\|^\$/);
    });
  });
});
