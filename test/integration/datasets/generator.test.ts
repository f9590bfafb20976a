// End to end: `npm run dataset` writes a corpus, `datamer replay` replays it, and the replay
// accounts for every message of the truth (stored, repeated or rejected) the way the truth says.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { truthSchema, type Truth } from '../../../src/datasets/truth.js';
import { projectRoot } from '../../../src/paths.js';
import type { ReplayLine } from '../../../src/replay/lines.js';
import { datamer } from '../../helpers/cli.js';

const DATASET = path.join(projectRoot, 'dist', 'src', 'datasets', 'main.js');

function dataset(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DATASET, ...args], { cwd: projectRoot }, (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }));
  });
}

describe('npm run dataset, then datamer replay', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-dataset-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes corpus.mbox and truth.json, and the replay accounts for every message as the truth says', async () => {
    const made = await dataset('--seed', '1', '--days', '2', '--out', dir);
    expect(made.code, made.stderr).to.equal(0);
    expect(made.stderr).to.match(/wrote \d+ messages/);
    const mbox = path.join(dir, 'corpus.mbox');
    expect(existsSync(mbox)).to.equal(true);
    const truth: Truth = truthSchema.parse(JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')));

    const run = await datamer({ ...process.env }, 'replay', '--mbox', mbox);
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as ReplayLine);

    const seen = new Map<number, ReplayLine>();
    for (const line of lines) {
      if (line.type !== 'message' && line.type !== 'rejected') continue;
      expect(seen.has(line.index), `index ${line.index} twice`).to.equal(false);
      seen.set(line.index, line);
    }
    expect([...seen.keys()].sort((a, b) => a - b)).to.deep.equal(truth.messages.map((m) => m.index));

    for (const m of truth.messages) {
      const line = seen.get(m.index)!;
      expect(line.type, `message ${m.index}`).to.equal(m.rejected ? 'rejected' : 'message');
      if (line.type !== 'message') continue;
      expect(line.messageId, `message ${m.index}`).to.equal(m.messageId);
      expect(line.receivedAt, `message ${m.index}`).to.equal(m.at);
      expect(line.duplicateOf, `message ${m.index}`).to.equal(m.duplicateOf);
      // A repeat shows its first copy's classification, which the truth also expects of it.
      const c = line.classification!;
      expect({ severity: c.severity, org: c.org, servers: [...c.servers].sort(), schedule: c.schedule }, `message ${m.index}`).to.deep.equal(m.expected);
      expect(line.tagWarnings!.length, `message ${m.index}`).to.equal(m.tagWarnings);
    }
    expect(run.stderr).to.include(`replayed ${truth.messages.length} messages`);
  });

  it('explains a bad option in one line', async () => {
    const made = await dataset('--seed', 'x', '--out', dir);
    expect(made.code).to.equal(1);
    expect(made.stderr).to.include('seed must be a whole number');
  });
});
