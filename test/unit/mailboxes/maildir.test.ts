import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isMaildir, listMaildir } from '../../../src/mailboxes/maildir.js';

describe('reading a maildir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-maildir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the messages in cur/ then new/, each in name order, leaving out tmp/ and dot files', async () => {
    for (const folder of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, folder));
    writeFileSync(path.join(dir, 'new', '1795489960.M2.host'), 'b');
    writeFileSync(path.join(dir, 'new', '1795485605.M1.host'), 'a');
    writeFileSync(path.join(dir, 'cur', '1795492801.M3.host:2,S'), 'c');
    writeFileSync(path.join(dir, 'cur', '.sync-state'), 'x');
    writeFileSync(path.join(dir, 'tmp', '1795499999.M4.host'), 'being written');
    expect(await isMaildir(dir)).to.equal(true);
    expect((await listMaildir(dir)).map((f) => path.relative(dir, f))).to.deep.equal([
      path.join('cur', '1795492801.M3.host:2,S'),
      path.join('new', '1795485605.M1.host'),
      path.join('new', '1795489960.M2.host'),
    ]);
  });

  it('accepts a maildir with only new/, and says a plain directory is not one', async () => {
    expect(await isMaildir(dir)).to.equal(false);
    mkdirSync(path.join(dir, 'new'));
    writeFileSync(path.join(dir, 'new', 'm1'), 'a');
    expect(await isMaildir(dir)).to.equal(true);
    expect((await listMaildir(dir)).map((f) => path.basename(f))).to.deep.equal(['m1']);
  });
});
