// The pure parts of `datamer replay`: when each message arrives, in which order, and the line
// printed for it. (The replay engine itself is tested in test/integration/replay.)
import { expect } from 'chai';
import { rejectionOf } from '../../../src/ingest/admission.js';
import { firstCopyOf, messageEventLine, messageLine, rejectedLine, serializeLine } from '../../../src/replay/lines.js';
import { dateHeader, deliveryTime, messageIdHeader, messageTimes, receivedHeaderDate, timeOrder } from '../../../src/replay/message-time.js';

const at = (iso: string) => new Date(iso);

describe('the line printed for each replayed message', () => {
  const classification = { severity: 'critical' as const, org: 'ops.backup', servers: ['db1.example.com'], schedule: { period: 'day' as const, n: 1, v: 0 }, by: 'tag', decidedBy: { org: 'tag' }, folder: null };
  const tagWarnings = [{ tag: ':org::', where: 'body' as const, problem: 'org tag is empty' }];
  const first = {
    index: 4,
    receivedAt: at('2026-11-23T02:00:05Z'),
    messageIdHeader: '<backup-1@db1>',
    received: { messageId: 17, duplicateOf: null, eventId: 5, outcome: { classification, tagWarnings, matchedRuleIds: [], stream: null, tool: null, signatureTokens: [], mentions: [], group: null, signatureId: 3, note: null } },
  };

  it('names the message, when it was received, how it was classified and its event', () => {
    expect(serializeLine(messageLine(first, new Map()))).to.equal(
      '{"type":"message","index":4,"messageId":"<backup-1@db1>","receivedAt":"2026-11-23T02:00:05.000Z",' +
        '"classification":{"severity":"critical","org":"ops.backup","servers":["db1.example.com"],"schedule":{"period":"day","n":1,"v":0},"by":"tag"},' +
        '"tagWarnings":[{"tag":":org::","where":"body","problem":"org tag is empty"}],"eventId":"5","reason":null,"duplicateOf":null,"signature":3}',
    );
  });

  it('points a repeated message at the mbox index of its first copy, with the same classification, event and signature', () => {
    const line = messageLine(
      { index: 9, receivedAt: at('2026-11-23T03:00:00Z'), messageIdHeader: '<backup-1@db1>', received: { messageId: 17, duplicateOf: 17, eventId: 5, outcome: null } },
      new Map([[17, firstCopyOf(first)]]),
    );
    expect(line).to.deep.include({ index: 9, duplicateOf: 4, eventId: '5', signature: 3 });
    expect(line.classification).to.deep.equal(messageLine(first, new Map()).classification);
  });

  it('prints the event a message made', () => {
    expect(serializeLine(messageEventLine(5, first))).to.equal(
      '{"type":"event","id":"5","kind":"message","createdAt":"2026-11-23T02:00:05.000Z","severity":"critical","org":"ops.backup","messageIds":["<backup-1@db1>"],"stream":null}',
    );
  });

  it('says why a message was rejected', () => {
    expect(serializeLine(rejectedLine(5, 'empty message'))).to.equal('{"type":"rejected","index":5,"reason":"empty message"}');
  });
});

describe('which messages a replay or an import refuses', () => {
  const msg = (text: string, size = Buffer.byteLength(text)) => ({ raw: Buffer.from(text), size });
  it('refuses an empty message and one holding only blank lines', () => {
    expect(rejectionOf(msg(''), 1024)).to.equal('empty message');
    expect(rejectionOf(msg('\r\n\r\n \t\n'), 1024)).to.equal('empty message');
  });
  it('refuses a message over the size limit, saying both sizes', () => {
    expect(rejectionOf(msg('Subject: x\n', 5000), 4096)).to.equal('too large: 5000 bytes, the limit is 4096 (DATAMER_SMTP_MAX_BYTES)');
  });
  it('takes a message at the limit', () => {
    expect(rejectionOf(msg('Subject: x\n', 4096), 4096)).to.equal(null);
  });
});

describe('when each replayed message arrives', () => {
  it('reads the Date header, folded or not, and ignores a Date in the body', () => {
    expect(dateHeader(Buffer.from('Subject: x\r\nDate: Mon, 23 Nov 2026\r\n 02:00:05 +0000\r\n\r\nbody'))?.toISOString()).to.equal('2026-11-23T02:00:05.000Z');
    expect(dateHeader(Buffer.from('Subject: x\n\nDate: Mon, 23 Nov 2026 02:00:05 +0000\n'))).to.equal(null);
    expect(dateHeader(Buffer.from('Date: next tuesday\n\n'))).to.equal(null);
  });

  it('reads the Message-ID header in angle brackets, as it is stored', () => {
    expect(messageIdHeader(Buffer.from('Message-ID: <a@b>\n\n'))).to.equal('<a@b>');
    expect(messageIdHeader(Buffer.from('message-id:\n  bare@host\n\n'))).to.equal('<bare@host>');
    expect(messageIdHeader(Buffer.from('Subject: none\n\n'))).to.equal(null);
  });

  it('reads when a message was delivered: the topmost Received header, its comment left out, else the Date header', () => {
    const relayed = Buffer.from(
      'Received: from mx.acme.test\r\n\tby imap.acme.test with LMTP; Mon, 23 Nov 2026 03:00:07 +0100 (CET)\r\nReceived: from db1 by mx; Mon, 23 Nov 2026 01:59:00 +0000\r\nDate: Mon, 23 Nov 2026 01:58:00 +0000\r\n\r\nbody',
    );
    expect(receivedHeaderDate(relayed)?.toISOString()).to.equal('2026-11-23T02:00:07.000Z');
    expect(deliveryTime(relayed)?.toISOString()).to.equal('2026-11-23T02:00:07.000Z');
    const garbled = Buffer.from('Received: from x by y; sometime soon\r\nDate: Mon, 23 Nov 2026 01:58:00 +0000\r\n\r\n');
    expect(receivedHeaderDate(garbled)).to.equal(null);
    expect(deliveryTime(garbled)?.toISOString()).to.equal('2026-11-23T01:58:00.000Z');
    expect(deliveryTime(Buffer.from('Subject: none\r\n\r\nReceived: from x; Mon, 23 Nov 2026 01:58:00 +0000\r\n'))).to.equal(null);
  });

  it('takes the Received time first, the Date header next, in the order of time', () => {
    const times = messageTimes([
      { receivedHeader: at('2026-11-23T03:00:07Z'), dateHeader: at('2026-11-23T03:00:00Z'), envelopeDate: null },
      { receivedHeader: null, dateHeader: at('2026-11-23T03:00:03Z'), envelopeDate: null },
    ]);
    expect(timeOrder(times)).to.deep.equal([1, 0]);
  });

  it('takes the Date header, else the From_ line date, else the time of the message before', () => {
    const times = messageTimes([
      { dateHeader: at('2026-11-23T03:00:00Z'), envelopeDate: at('2026-11-23T03:00:09Z') },
      { dateHeader: null, envelopeDate: at('2026-11-23T01:00:00Z') },
      { dateHeader: null, envelopeDate: null },
    ]);
    expect(times.map((t) => t.toISOString())).to.deep.equal(['2026-11-23T03:00:00.000Z', '2026-11-23T01:00:00.000Z', '2026-11-23T01:00:00.000Z']);
  });

  it('puts undated messages at the start of the mbox at its earliest time, and replays an mbox with no dates at all at 1970', () => {
    const times = messageTimes([{ dateHeader: null, envelopeDate: null }, { dateHeader: at('2026-11-23T05:00:00Z'), envelopeDate: null }, { dateHeader: at('2026-11-23T04:00:00Z'), envelopeDate: null }]);
    expect(times[0]!.toISOString()).to.equal('2026-11-23T04:00:00.000Z');
    expect(messageTimes([{ dateHeader: null, envelopeDate: null }])[0]!.toISOString()).to.equal('1970-01-01T00:00:00.000Z');
  });

  it('orders by time and keeps mbox order among messages of the same instant', () => {
    const times = ['2026-11-23T03:00:00Z', '2026-11-23T02:00:00Z', '2026-11-23T03:00:00Z', '2026-11-23T01:00:00Z', '2026-11-23T03:00:00Z'].map(at);
    expect(timeOrder(times)).to.deep.equal([3, 1, 0, 2, 4]);
  });
});
