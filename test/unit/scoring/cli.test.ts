// `npm run score` as a user runs it: the compiled program in a child process, on the fixture
// files of this folder and on files that are broken in the ways files get broken.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../src/paths.js';

const MAIN = path.join(projectRoot, 'dist', 'src', 'scoring', 'main.js');
const FIXTURES = path.join(projectRoot, 'test', 'unit', 'scoring');
const TRUTH = path.join(FIXTURES, 'truth.json');
const PERFECT = path.join(FIXTURES, 'perfect-replay.jsonl');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function score(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: projectRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run score', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-score-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('prints a readable report of a perfect replay', async () => {
    const run = await score('--truth', TRUTH, '--replay', PERFECT);
    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal('');
    const lines = run.stdout.split('\n');
    expect(lines).to.include('  all four                      8/8  100.0%');
    expect(lines).to.include('Lost or doubled (10 messages in the mbox): every message accounted for once');
    expect(lines).to.include('  missed                        0/2    0.0%');
    expect(lines).to.include('  B-cubed                 1.000     1.000     1.000');
    expect(lines).to.include('  noise reduction     achieved 37.5%, ideal 37.5%, achieved/ideal 100.0%');
  });

  it('prints one JSON object with --json', async () => {
    const run = await score('--truth', TRUTH, '--replay', PERFECT, '--json');
    expect(run.code).to.equal(0);
    const result = JSON.parse(run.stdout);
    expect(result.classification.allFour).to.deep.equal({ count: 8, of: 8, share: 1 });
    expect(result.grouping.adjustedRandIndex).to.equal(1);
    expect(result.delivery.lost).to.deep.equal([]);
  });

  it('exits 0 with low scores: an empty replay lost everything', async () => {
    const run = await score('--truth', TRUTH, '--replay', file('empty.jsonl', ''));
    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain('Lost or doubled (10 messages in the mbox): PROBLEMS');
    expect(run.stdout).to.contain('  lost                          10: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9');
    expect(run.stdout).to.contain('  all four                      0/8    0.0%');
  });

  it('fails with one line when a file cannot be read', async () => {
    const missing = path.join(dir, 'nope.json');
    const run = await score('--truth', missing, '--replay', PERFECT);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(`datamer score: cannot read ${missing}: no such file\n`);
  });

  it('fails with one line naming what is wrong in a truth file', async () => {
    const truth = JSON.parse(readFileSync(TRUTH, 'utf8'));
    truth.messages[2].index = 'two';
    const bad = file('bad-truth.json', JSON.stringify(truth));
    const run = await score('--truth', bad, '--replay', PERFECT);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(new RegExp(`^datamer score: ${bad.replace(/[.]/g, '\\.')} is not a truth file: messages\\.2\\.index: .+\\n$`));
    const notJson = await score('--truth', file('not.json', '{"version":'), '--replay', PERFECT);
    expect(notJson.code).to.equal(1);
    expect(notJson.stderr).to.match(/^datamer score: .*not\.json is not JSON: .+\n$/);
  });

  it('fails with one line naming the bad line of a replay output', async () => {
    const [first] = readFileSync(PERFECT, 'utf8').split('\n');
    const notJson = await score('--truth', TRUTH, '--replay', file('cut.jsonl', `${first}\n{"type":"message","ind\n`));
    expect(notJson.code).to.equal(1);
    expect(notJson.stderr).to.match(/^datamer score: .*cut\.jsonl is not a replay output: line 2 is not JSON\n$/);
    const wrongField = await score('--truth', TRUTH, '--replay', file('field.jsonl', `${first!.replace('"index":0', '"index":-1')}\n`));
    expect(wrongField.code).to.equal(1);
    expect(wrongField.stderr).to.match(/^datamer score: .*field\.jsonl is not a replay output: line 1 \(message\): index: .+\n$/);
  });

  it('says which option is missing', async () => {
    const run = await score('--truth', TRUTH);
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.equal("datamer score: required option '--replay <file>' not specified (or give --ladder <mbox>)\n");
  });
});
