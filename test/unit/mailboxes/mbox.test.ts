import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { fromLineDate, MboxSplitter, readMbox, splitMbox } from '../../../src/mailboxes/mbox.js';

const mbox = (text: string) => Buffer.from(text, 'latin1');
const texts = (data: Buffer) => splitMbox(data).map((m) => m.raw.toString('latin1'));

describe('reading an mbox', () => {
  it('gives each message without its From_ line or the blank line that ends it', () => {
    const data = mbox(
      'From cron@db1.example.test Mon Nov 23 02:00:06 2026\nSubject: backup finished\n\nok\n\n' +
        'From monit@web2.example.test Mon Nov 23 03:12:41 2026\nSubject: disk 91% full\n\n/var\n\n',
    );
    expect(texts(data)).to.deep.equal(['Subject: backup finished\n\nok\n', 'Subject: disk 91% full\n\n/var\n']);
    const [first] = splitMbox(data);
    expect(first!.fromLine).to.equal('cron@db1.example.test Mon Nov 23 02:00:06 2026');
    expect(first!.envelopeDate?.toISOString()).to.equal('2026-11-23T02:00:06.000Z');
  });

  it('keeps a body line starting with "From " that does not follow a blank line', () => {
    const data = mbox('From a Mon Nov 23 02:00:06 2026\nSubject: cron\n\nline one\nFrom here on: all good\n\n');
    expect(texts(data)).to.deep.equal(['Subject: cron\n\nline one\nFrom here on: all good\n']);
  });

  it('undoes ">From " quoting (mboxo and mboxrd), one ">" per line', () => {
    const data = mbox('From a Mon Nov 23 02:00:06 2026\nSubject: q\n\n>From the log:\n>>From nested\n> From not quoting\n>Fromage\n\n');
    expect(texts(data)).to.deep.equal(['Subject: q\n\nFrom the log:\n>From nested\n> From not quoting\n>Fromage\n']);
  });

  it('keeps CRLF line endings and still recognises the blank line before a From_ line', () => {
    const data = mbox('From a Mon Nov 23 02:00:06 2026\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom b Mon Nov 23 02:00:07 2026\r\nSubject: two\r\n\r\n>From x\r\n');
    expect(texts(data)).to.deep.equal(['Subject: one\r\n\r\nbody\r\n', 'Subject: two\r\n\r\nFrom x\r\n']);
    expect(splitMbox(data)[1]!.fromLine).to.equal('b Mon Nov 23 02:00:07 2026');
  });

  it('gives back 8-bit, NUL and invalid UTF-8 bytes exactly', () => {
    const body = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x80, 0x0a]);
    const data = Buffer.concat([mbox('From a Mon Nov 23 02:00:06 2026\nSubject: bin\n\n'), body, mbox('\nFrom b Mon Nov 23 02:00:07 2026\nSubject: next\n')]);
    const [first, second] = splitMbox(data);
    expect(first!.raw.equals(Buffer.concat([mbox('Subject: bin\n\n'), body]))).to.equal(true);
    expect(second!.raw.toString('latin1')).to.equal('Subject: next\n');
  });

  it('keeps the last line of a file that does not end with a newline', () => {
    expect(texts(mbox('From a Mon Nov 23 02:00:06 2026\nSubject: last\n\nno newline at the end'))).to.deep.equal(['Subject: last\n\nno newline at the end']);
  });

  it('finds no message in an empty file, and an empty message after a lone From_ line', () => {
    expect(splitMbox(Buffer.alloc(0))).to.deep.equal([]);
    const [only, ...rest] = splitMbox(mbox('From a Mon Nov 23 02:00:06 2026\n\n'));
    expect(rest).to.deep.equal([]);
    expect(only!.size).to.equal(0);
    expect(only!.raw.length).to.equal(0);
  });

  it('treats text before the first From_ line as a message without an envelope date', () => {
    const [first, second] = splitMbox(mbox('Subject: stray\n\nstray body\n\nFrom a Mon Nov 23 02:00:06 2026\nSubject: real\n'));
    expect(first!.raw.toString()).to.equal('Subject: stray\n\nstray body\n');
    expect(first!.fromLine).to.equal(null);
    expect(first!.envelopeDate).to.equal(null);
    expect(second!.raw.toString()).to.equal('Subject: real\n');
  });

  it('keeps only the first bytes of an oversized message but reports its full size', () => {
    const big = 'x'.repeat(10_000);
    const [message] = splitMbox(mbox(`From a Mon Nov 23 02:00:06 2026\nSubject: big\n\n${big}\n\n`), { keepAtMost: 100 });
    expect(message!.size).to.equal('Subject: big\n\n'.length + big.length + 1);
    expect(message!.raw.length).to.equal(100);
  });

  it('gives the same messages however the file is cut into chunks', () => {
    const data = mbox(
      'From a Mon Nov 23 02:00:06 2026\r\nSubject: one\r\n\r\n>From x\r\n\r\n' +
        'From b Mon Nov 23 02:00:07 2026\nSubject: two\n\nFrom y\n\nFrom c Mon Nov 23 02:00:08 2026\nSubject: three\n\n' +
        'z'.repeat(5000) +
        '\n>>From q',
    );
    const whole = splitMbox(data).map((m) => [m.raw.toString('latin1'), m.size, m.fromLine]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 200 }), (cuts) => {
        const splitter = new MboxSplitter();
        const out = [];
        let pos = 0;
        for (const cut of cuts) {
          if (pos >= data.length) break;
          out.push(...splitter.push(data.subarray(pos, pos + cut)));
          pos += cut;
        }
        if (pos < data.length) out.push(...splitter.push(data.subarray(pos)));
        out.push(...splitter.end());
        expect(out.map((m) => [m.raw.toString('latin1'), m.size, m.fromLine])).to.deep.equal(whole);
      }),
    );
  });

  it('streams a file and tells how far into it each message ends', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-mbox-'));
    try {
      const file = path.join(dir, 'test.mbox');
      const text = 'From a Mon Nov 23 02:00:06 2026\nSubject: one\n\nbody\n\nFrom b Mon Nov 23 02:00:07 2026\nSubject: two\n\n';
      writeFileSync(file, text);
      const seen = [];
      for await (const message of readMbox(file)) seen.push([message.raw.toString(), message.endOffset]);
      expect(seen).to.deep.equal([
        ['Subject: one\n\nbody\n', text.indexOf('From b')],
        ['Subject: two\n', text.length],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the date on a From_ line', () => {
  const cases: Array<[line: string, iso: string | null]> = [
    ['cron@db1.example.test Mon Nov 23 02:00:06 2026', '2026-11-23T02:00:06.000Z'],
    ['cron@db1.example.test  Mon Nov  3 02:00:06 2026', '2026-11-03T02:00:06.000Z'],
    ['root@batch3 Sun Nov 22 23:00:02 2026 -0500', '2026-11-23T04:00:02.000Z'],
    ['root@batch3 Sun Nov 22 23:00:02 +0100 2026', '2026-11-22T22:00:02.000Z'],
    ['root@batch3 Sun Nov 22 23:00:02 UTC 2026', '2026-11-22T23:00:02.000Z'],
    ['MAILER-DAEMON', null],
    ['someone yesterday', null],
  ];
  for (const [line, iso] of cases) {
    it(`reads "${line}" as ${iso ?? 'no date'}`, () => {
      expect(fromLineDate(line)?.toISOString() ?? null).to.equal(iso);
    });
  }
});
