import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { detectKind, kindOf } from '../../../src/cli/import-kind.js';
import { isDatamerError } from '../../../src/errors.js';

describe('what datamer import takes each argument for', () => {
  const file = (head: string) => ({ directory: false, maildir: false, head: Buffer.from(head, 'latin1') });
  const cases: Array<[what: string, facts: Parameters<typeof kindOf>[1], kind: string]> = [
    ['a file starting with a From_ line', file('From '), 'mbox'],
    ['a file starting with a header', file('Subje'), 'eml'],
    ['a file starting with "from " in lower case', file('from '), 'eml'],
    ['a file starting with a quoted From', file('>From'), 'eml'],
    ['an empty file', file(''), 'eml'],
    ['a directory with cur/ or new/', { directory: true, maildir: true, head: Buffer.alloc(0) }, 'maildir'],
  ];
  for (const [what, facts, kind] of cases) {
    it(`takes ${what} for ${kind === 'eml' ? 'one message' : `a ${kind}`}`, () => {
      expect(kindOf('x', facts)).to.equal(kind);
    });
  }

  it('refuses a directory that is not a maildir, naming it', () => {
    expect(() => kindOf('/srv/mail', { directory: true, maildir: false, head: Buffer.alloc(0) })).to.throw(
      '/srv/mail is a directory but not a maildir (it has no cur/ or new/ folder)',
    );
  });

  describe('on disk', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-kind-'));
      writeFileSync(path.join(dir, 'all.mbox'), 'From cron@db1 Mon Nov 23 02:00:06 2026\nSubject: x\n\n');
      writeFileSync(path.join(dir, 'one.eml'), 'From: cron@db1\nSubject: x\n\n');
      mkdirSync(path.join(dir, 'Maildir', 'cur'), { recursive: true });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('tells an mbox, an .eml and a maildir apart', async () => {
      expect(await detectKind(path.join(dir, 'all.mbox'))).to.equal('mbox');
      expect(await detectKind(path.join(dir, 'one.eml'))).to.equal('eml');
      expect(await detectKind(path.join(dir, 'Maildir'))).to.equal('maildir');
    });

    it('says clearly when a path does not exist', async () => {
      const missing = path.join(dir, 'nope.mbox');
      const err = await detectKind(missing).catch((e: unknown) => e);
      expect(isDatamerError(err, 'INPUT_INVALID')).to.equal(true);
      expect((err as Error).message).to.equal(`cannot read ${missing}: no such file or directory`);
    });
  });
});
