import { expect } from 'chai';
import { parseMessage } from '../../../src/ingest/parse.js';

const mail = (headers: string, body = 'body') => Buffer.from(`${headers}\r\n\r\n${body}\r\n`);

describe('parsing a stored message', () => {
  it('reads the fields DaTamer files and classifies by', async () => {
    const p = await parseMessage(mail('From: "Cron Daemon" <Cron@DB1.example.com>\r\nTo: a@x.test, b@x.test\r\nCc: c@x.test\r\nSubject: =?utf-8?q?backup_=E2=9C=93?=\r\nDate: Mon, 23 Nov 2026 02:00:05 +0000\r\nMessage-ID: <m1@db1>\r\nX-Nagios-Host: db1\r\n  .example.com'));
    expect(p).to.deep.include({ messageIdHeader: '<m1@db1>', fromAddress: 'cron@db1.example.com', subject: 'backup ✓', parseError: null });
    expect(p.toAddresses).to.deep.equal(['a@x.test', 'b@x.test', 'c@x.test']);
    expect(p.sentAt?.toISOString()).to.equal('2026-11-23T02:00:05.000Z');
    expect(p.headers.get('x-nagios-host')).to.deep.equal(['db1 .example.com']);
  });

  it('has no date for a Date header it cannot read, rather than the time of parsing', async () => {
    expect((await parseMessage(mail('Subject: x\r\nDate: sometime this morning'))).sentAt).to.equal(null);
    expect((await parseMessage(mail('Subject: x'))).sentAt).to.equal(null);
  });

  it('keeps HTML-only mail\'s text empty, for classification to convert with care', async () => {
    const p = await parseMessage(mail('Subject: x\r\nContent-Type: text/html', '<p>Disk <b>full</b></p>'));
    expect(p.text).to.equal(null);
    expect(p.html).to.contain('<b>full</b>');
  });

  it('replaces NUL characters, which PostgreSQL text cannot hold', async () => {
    const p = await parseMessage(mail('Subject: a\u0000b', 'x\u0000y'));
    expect(p.subject).to.equal('a\uFFFDb');
    expect(p.text).to.contain('x\uFFFDy');
  });
});
