// The corpus generator: deterministic, its truth well-formed and consistent with the mbox.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { generateCorpus, type Corpus } from '../../../src/datasets/generate.js';
import { truthChunks } from '../../../src/datasets/truth-writer.js';
import { truthSchema } from '../../../src/datasets/truth.js';
import { splitMbox } from '../../../src/mailboxes/mbox.js';
import { deliveryTime, messageIdHeader } from '../../../src/replay/message-time.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the labelled corpus generator', () => {
  let two: Corpus;
  let fortnight: Corpus;
  before(() => {
    two = generateCorpus({ seed: 1, days: 2, scale: 1 });
    fortnight = generateCorpus({ seed: 5, days: 14, scale: 1 });
  });

  it('makes the same mbox, byte for byte, and the same truth from the same seed', () => {
    const again = generateCorpus({ seed: 1, days: 2, scale: 1 });
    expect(sha(again.mbox())).to.equal(sha(two.mbox()));
    expect(JSON.stringify(again.truth)).to.equal(JSON.stringify(two.truth));
  });

  it('makes a different corpus from a different seed', () => {
    const other = generateCorpus({ seed: 2, days: 2, scale: 1 });
    expect(sha(other.mbox())).to.not.equal(sha(two.mbox()));
  });

  it('writes about 5,000 messages for 14 days, and --scale multiplies the routine traffic', () => {
    expect(fortnight.truth.messages.length).to.be.within(4500, 5500);
    const double = generateCorpus({ seed: 5, days: 2, scale: 2 });
    const single = generateCorpus({ seed: 5, days: 2, scale: 1 });
    expect(double.truth.messages.length).to.be.greaterThan(single.truth.messages.length + 400);
  });

  it('writes a truth the schema accepts, and truth.json parses back to it', () => {
    for (const corpus of [two, fortnight]) {
      expect(() => truthSchema.parse(corpus.truth)).to.not.throw();
      const written = JSON.parse([...truthChunks(corpus.truth)].join(''));
      expect(written).to.deep.equal(corpus.truth);
    }
  });

  it('numbers the messages by their mbox position, each Received or Date header saying the truth\'s time', () => {
    const raws = splitMbox(two.mbox());
    expect(raws.length).to.equal(two.truth.messages.length);
    two.truth.messages.forEach((m, i) => {
      expect(m.index).to.equal(i);
      const date = m.rejected ? raws[i]!.envelopeDate : deliveryTime(raws[i]!.raw);
      expect(date?.toISOString(), `message ${i}`).to.equal(m.at);
    });
  });

  it('writes the mbox only roughly in Date order, so a replay has to sort it', () => {
    const times = two.truth.messages.map((m) => Date.parse(m.at));
    const inversions = times.filter((t, i) => i > 0 && t < times[i - 1]!).length;
    expect(inversions).to.be.greaterThan(times.length / 10);
    // ... but only lightly: nothing is hours away from its place
    const sorted = [...times].sort((a, b) => a - b);
    times.forEach((t, i) => expect(Math.abs(t - sorted[i]!)).to.be.below(6 * 3600_000));
  });

  it('keeps each incident\'s messages inside its time span, labelled with its id', () => {
    for (const corpus of [two, fortnight]) {
      const { messages, incidents } = corpus.truth;
      expect(new Set(incidents.map((i) => i.kind))).to.include.members(['nfs-glitch', 'db-failover', 'disk-full']);
      for (const incident of incidents) {
        expect(incident.messages.length).to.be.greaterThan(2);
        for (const index of incident.messages) {
          const m = messages[index]!;
          expect(m.incident).to.equal(incident.id);
          expect(m.at >= incident.start && m.at <= incident.end, `${incident.id} message ${index}`).to.equal(true);
        }
      }
      const labelled = messages.filter((m) => m.incident !== null).length;
      expect(labelled).to.equal(incidents.reduce((n, i) => n + i.messages.length, 0));
    }
  });

  it('makes an NFS glitch mail from many hosts within minutes, recoveries included', () => {
    const nfs = fortnight.truth.incidents.find((i) => i.kind === 'nfs-glitch')!;
    const messages = nfs.messages.map((i) => fortnight.truth.messages[i]!);
    const hosts = new Set(messages.map((m) => m.expected.servers[0] ?? m.messageId!.split('@')[1]));
    expect(hosts.size).to.be.greaterThan(5);
    const first = Date.parse(nfs.start);
    const problems = messages.filter((m) => !m.flags.includes('recovery'));
    expect(problems.every((m) => Date.parse(m.at) - first < 15 * 60_000)).to.equal(true);
    expect(messages.some((m) => m.flags.includes('recovery'))).to.equal(true);
  });

  it('points every re-delivery at an earlier message with the same Message-ID, or the same bytes when it has none', () => {
    const raws = splitMbox(fortnight.mbox());
    const duplicates = fortnight.truth.messages.filter((m) => m.duplicateOf !== null);
    expect(duplicates.length).to.be.greaterThan(5);
    expect(duplicates.some((m) => m.messageId === null)).to.equal(true);
    for (const copy of duplicates) {
      const first = fortnight.truth.messages[copy.duplicateOf!]!;
      expect(copy.duplicateOf!).to.be.below(copy.index);
      expect(first.duplicateOf).to.equal(null);
      // A relay put its Received header on a copy with a Message-ID: it arrives when that says, later.
      if (copy.messageId === null) expect(copy.at).to.equal(first.at);
      else {
        expect(deliveryTime(raws[copy.index]!.raw)!.toISOString()).to.equal(copy.at);
        expect(Date.parse(copy.at)).to.be.above(Date.parse(first.at));
      }
      expect(copy.flags).to.include('duplicate');
      expect(messageIdHeader(raws[copy.index]!.raw)).to.equal(first.messageId);
      if (copy.messageId === null) expect(raws[copy.index]!.raw.equals(raws[first.index]!.raw)).to.equal(true);
      else expect(copy.messageId).to.equal(first.messageId);
    }
  });

  it('includes hostile mail and exactly one empty message, which must be rejected', () => {
    const { messages } = two.truth;
    const rejected = messages.filter((m) => m.rejected);
    expect(rejected.map((m) => m.tool)).to.deep.equal(['empty']);
    const tools = new Set(messages.filter((m) => m.flags.includes('hostile')).map((m) => m.tool));
    expect([...tools]).to.include.members(['broken-mime', 'large-attachment', 'invalid-utf8', 'hostile-html', 'empty']);
    const raws = splitMbox(two.mbox());
    const large = messages.find((m) => m.tool === 'large-attachment')!;
    expect(raws[large.index]!.size).to.be.above(200 * 1024);
  });

  it('mixes formats, encodings and tagging as a real mailbox does', () => {
    const { messages } = fortnight.truth;
    const tools = new Set(messages.map((m) => m.tool));
    expect([...tools]).to.include.members(['nagios', 'zabbix', 'alertmanager', 'cron', 'logwatch', 'smartd', 'monit', 'bareos', 'jenkins']);
    const flagged = (flag: string) => messages.filter((m) => (m.flags as string[]).includes(flag)).length;
    for (const flag of ['html-only', 'multipart', 'quoted-printable', 'base64', 'non-ascii', 'malformed-tag', 'no-message-id']) expect(flagged(flag), flag).to.be.greaterThan(5);
    // most mail is untagged
    expect(flagged('untagged')).to.be.greaterThan(messages.length / 2);
    expect(messages.filter((m) => m.tagWarnings > 0).length).to.equal(flagged('malformed-tag'));
  });

  it('expects a missing alert that resolves, one that stays open, and an excess alert; the quiet streams raise none', () => {
    const { scheduleAlerts, quietStreams } = fortnight.truth;
    expect(fortnight.ambiguous).to.deep.equal([]);
    expect(scheduleAlerts.some((a) => a.condition === 'missing' && a.resolveBy !== null && a.stream.endsWith('per=hour'))).to.equal(true);
    expect(scheduleAlerts.some((a) => a.condition === 'missing' && a.resolveBy === null && a.stream.includes('db2.example.test'))).to.equal(true);
    expect(scheduleAlerts.some((a) => a.condition === 'excess' && a.stream.includes('jenkins@'))).to.equal(true);
    for (const a of scheduleAlerts) {
      expect(a.notBefore < a.raiseBy).to.equal(true);
      if (a.resolveBy) expect(a.raiseBy < a.resolveBy).to.equal(true);
    }
    expect(quietStreams.map((q) => q.why)).to.include.members(['late within grace', 'new stream, first window']);
    const alerted = new Set(scheduleAlerts.map((a) => a.stream));
    for (const q of quietStreams) expect(alerted.has(q.stream), q.stream).to.equal(false);
    // every stream named by the truth has messages that count in it
    const streams = new Set(fortnight.truth.messages.map((m) => m.stream));
    for (const s of [...alerted, ...quietStreams.map((q) => q.stream)]) expect(streams.has(s), s).to.equal(true);
  });

  it('leaves no schedule verdict ambiguous for other seeds and lengths', () => {
    for (const [seed, days] of [[2, 14], [3, 5], [4, 3], [9, 2]] as const) {
      expect(generateCorpus({ seed, days, scale: 0.2 }).ambiguous, `seed ${seed}, ${days} days`).to.deep.equal([]);
    }
  });

  it('refuses options that make no corpus, with a clear reason', () => {
    expect(() => generateCorpus({ seed: 1, days: 0, scale: 1 })).to.throw('days must be more than 0');
    expect(() => generateCorpus({ seed: 1, days: 2, scale: 1, start: 'yesterday' })).to.throw('is not a date');
  });
});
