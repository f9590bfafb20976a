import { expect } from 'chai';
import { dedupKey, withoutTraceHeaders } from '../../../src/ingest/dedup.js';

describe('what makes two deliveries the same message', () => {
  const body = 'From: cron@db1\r\nSubject: backup\r\n\r\nReceived: this line is body, not a header\r\n';

  it('is the Message-ID when there is one, whatever the bytes', () => {
    expect(dedupKey(Buffer.from('a'), '<X@db1>')).to.equal(dedupKey(Buffer.from('b'), '<x@db1> '));
  });

  it('is the content without trace headers when there is no Message-ID', () => {
    const relayed = `Received: from a\r\n\tby b; Mon, 23 Nov 2026 08:00:00 +0000\r\nReturn-Path: <cron@db1>\r\n${body}`;
    expect(dedupKey(Buffer.from(relayed), null)).to.equal(dedupKey(Buffer.from(body), null));
    expect(dedupKey(Buffer.from(body.replace('backup', 'restore')), null)).not.to.equal(dedupKey(Buffer.from(body), null));
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
