import { expect } from 'chai';
import { dedupKey, messageIdKey, withoutTraceHeaders } from '../../../src/ingest/dedup.js';

describe('what makes two deliveries the same message', () => {
  const body = 'From: cron@db1\r\nSubject: backup\r\n\r\nReceived: this line is body, not a header\r\n';

  it('is the content without trace headers', () => {
    const relayed = `Received: from a\r\n\tby b; Mon, 23 Nov 2026 08:00:00 +0000\r\nReturn-Path: <cron@db1>\r\n${body}`;
    expect(dedupKey(Buffer.from(relayed))).to.equal(dedupKey(Buffer.from(body)));
    expect(dedupKey(Buffer.from(body.replace('backup', 'restore')))).not.to.equal(dedupKey(Buffer.from(body)));
  });

  it('tells apart two messages with the same Message-ID and different content', () => {
    const real = `Message-ID: <backup-2026-11-23@db1>\r\nSubject: :critical: backup FAILED\r\n\r\nexit 2\r\n`;
    const forged = `Message-ID: <backup-2026-11-23@db1>\r\nSubject: :info: backup finished\r\n\r\nexit 0\r\n`;
    expect(dedupKey(Buffer.from(real))).not.to.equal(dedupKey(Buffer.from(forged)));
  });

  it('keys the Message-ID itself case-insensitively, for showing which messages share one', () => {
    expect(messageIdKey('<X@db1>')).to.equal(messageIdKey('<x@db1> '));
    expect(messageIdKey(null)).to.equal(null);
  });

  it('keeps the body intact, even a body line that looks like a trace header', () => {
    expect(withoutTraceHeaders(Buffer.from(body)).toString()).to.equal(body);
  });

  it('keeps bytes that are not valid UTF-8 exactly', () => {
    const raw = Buffer.concat([Buffer.from('Received: x\r\nSubject: \xe9\r\n\r\n', 'latin1'), Buffer.from([0xff, 0x00, 0xfe])]);
    const out = withoutTraceHeaders(raw);
    expect(out.equals(raw.subarray('Received: x\r\n'.length))).to.equal(true);
  });
});
