import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createParsePool, type ParsePool } from '../../../src/ingest/parse-pool.js';
import { parseMessage } from '../../../src/ingest/parse.js';

const ROOT = path.resolve(__dirname, '../../../../fixtures/emails');
const MISBEHAVING = path.resolve(__dirname, '../../helpers/misbehaving-parser.js');

const mail = (n: number, extra = '') => Buffer.from(`Subject: check ${n}\r\nMessage-ID: <m${n}@x.test>\r\n${extra}\r\nbody ${n}\r\n`);

describe('parsing on parser threads', () => {
  let pool: ParsePool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('gives exactly what parsing on the main thread gives, for every sample email', async () => {
    pool = createParsePool({ threads: 2 });
    const files = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.eml'));
    expect(files.length).to.be.greaterThan(20);
    const raws = files.map((f) => readFileSync(path.join(ROOT, f)));
    const offThread = await Promise.all(raws.map((raw) => pool!.parse(raw)));
    for (const [i, raw] of raws.entries()) expect(offThread[i], files[i]).to.deep.equal(await parseMessage(raw));
  });

  it('gives a message that takes its thread down a parse error, and parses the others that were with it', async () => {
    pool = createParsePool({ threads: 1, script: MISBEHAVING });
    const results = await Promise.all([pool.parse(mail(1)), pool.parse(mail(2, 'X-Parser-Test: die\r\n')), pool.parse(mail(3)), pool.parse(mail(4))]);
    expect(results.map((r) => r.subject)).to.deep.equal(['check 1', null, 'check 3', 'check 4']);
    expect(results[1]!.parseError).to.match(/parser thread stopped while reading this message \(exit code 3\)/);
    expect(results.filter((r) => r.parseError !== null)).to.have.length(1);
    // and the pool goes on working
    expect((await pool.parse(mail(5))).subject).to.equal('check 5');
  });

  it('stops a parse that never ends, and parses the messages queued behind it', async () => {
    pool = createParsePool({ threads: 1, script: MISBEHAVING, timeoutMs: 300 });
    const results = await Promise.all([pool.parse(mail(1, 'X-Parser-Test: spin\r\n')), pool.parse(mail(2)), pool.parse(mail(3))]);
    expect(results[0]!.parseError).to.equal('parsing took longer than 0.3 s; stopped');
    expect(results.slice(1).map((r) => [r.subject, r.parseError])).to.deep.equal([['check 2', null], ['check 3', null]]);
  });

  it('parses on the calling thread once closed', async () => {
    pool = createParsePool({ threads: 1 });
    await pool.close();
    expect((await pool.parse(mail(7))).subject).to.equal('check 7');
  });
});
