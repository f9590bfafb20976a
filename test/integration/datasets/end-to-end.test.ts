// The yardstick end to end, as a team runs it: generate a 14-day corpus, replay it through
// DaTamer, score the replay against the truth. The report is printed for the CI log.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../../src/paths.js';

const run = promisify(execFile);
const node = (script: string, ...args: string[]) =>
  run(process.execPath, [path.join(projectRoot, 'dist', 'src', ...script.split('/')), ...args], { cwd: projectRoot, maxBuffer: 256 * 1024 * 1024 });

describe('a 14-day corpus: generated, replayed, scored', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-e2e-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replays every message once, classifies every one as its tags say, and raises the schedule alerts in time', async function () {
    // Three processes over 3,500 messages: 20-30 s on a quiet machine, over 60 s on the shared
    // test machine at load 15-20 (the same corpus replayed 26-53 s there by itself).
    this.timeout(5 * 60_000);
    await node('datasets/main.js', '--seed', '11', '--days', '14', '--scale', '0.5', '--out', dir);
    const replay = await node('cli/main.js', 'replay', '--mbox', path.join(dir, 'corpus.mbox'));
    writeFileSync(path.join(dir, 'replay.jsonl'), replay.stdout);
    const report = await node('scoring/main.js', '--truth', path.join(dir, 'truth.json'), '--replay', path.join(dir, 'replay.jsonl'));
    console.log(`\n${report.stdout}`);
    const scored = JSON.parse((await node('scoring/main.js', '--truth', path.join(dir, 'truth.json'), '--replay', path.join(dir, 'replay.jsonl'), '--json')).stdout);

    const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as { messages: unknown[] };
    expect(truth.messages.length).to.be.greaterThan(1000);
    expect(report.stdout).to.contain('every message accounted for once');
    expect(report.stdout).to.match(/all four\s+(\d+)\/\1\s+100\.0%/);
    expect(report.stdout).to.match(/recall\s+(\d+)\/\1\s+100\.0%/);
    expect(report.stdout).to.match(/false warnings\s+0\//);
    // Every expected schedule alert is raised in time, none on the jittery streams, none repeated.
    expect(report.stdout).to.match(/in time\s+(\d+)\/\1\s+100\.0%/);
    expect(report.stdout).to.match(/false\s+0 /);
    expect(report.stdout).to.match(/repeated\s+0\n/);
    expect(report.stdout).to.match(/resolved in time\s+(\d+)\/\1\s+100\.0%/);
    // Grouping is measured (phase 4 improves it): one event per message today.
    expect(JSON.stringify(scored)).to.contain('bcubed');
  });
});
