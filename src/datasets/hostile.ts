// Mail that tries to break things: MIME that lies about its boundaries, a large attachment
// with tags inside (they must not count), bytes that are not UTF-8, HTML whose tags hide in
// scripts, styles and attributes (docs/tags.md: only what a reader sees counts), NUL bytes,
// and an empty message, which DaTamer must reject. Also the re-deliveries of ordinary mail.
import { buildMessage, type MailSpec } from './mime.js';
import type { Draft, Planner } from './planner.js';
import type { Rng } from './prng.js';
import { TEAM_ADDRESS } from './formats/common.js';
import { server } from './topology.js';
import { tagging, untagged, type Tagging } from './tagging.js';
import type { Flag } from './truth.js';

const DAY = 24 * 3600_000;

interface Hostile {
  tool: string;
  make: (rng: Rng, at: number, messageId: string) => { tags: Tagging; spec: MailSpec | null; raw?: Buffer; flags?: Flag[] };
}

const sender = 'probe@web5.example.test';
const base = (at: number, messageId: string, subject: string, body: MailSpec['body']): MailSpec => ({ from: sender, to: TEAM_ADDRESS, subject, date: at, messageId, body });

const web5 = server('web5');

const HOSTILE: Hostile[] = [
  {
    // The declared boundary never appears: the parts are not where the header says. Only the subject's tags are sure.
    tool: 'broken-mime',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'warn', org: web5.org, placement: 'subject' }, rng);
      return {
        tags,
        spec: base(at, id, `${tags.subject} health probe report`, {
          multipart: 'mixed',
          actualBoundary: 'not-the-declared-boundary',
          parts: [{ type: 'text/plain', charset: 'us-ascii', encoding: '7bit', content: 'probe results attached\n' }, { type: 'application/octet-stream', encoding: 'base64', content: Buffer.alloc(600, 7), filename: 'probe.bin' }],
        }),
      };
    },
  },
  {
    // A multipart whose closing delimiter never comes (the sender died mid-message).
    tool: 'broken-mime',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'critical', org: web5.org, placement: 'subject' }, rng);
      return {
        tags,
        spec: base(at, id, `${tags.subject} probe aborted`, {
          multipart: 'alternative',
          unclosed: true,
          parts: [{ type: 'text/plain', charset: 'us-ascii', encoding: '7bit', content: 'probe aborted after 3 of 9 checks\n' }],
        }),
      };
    },
  },
  {
    // A few hundred kB of attachments; the log attached is full of tags that must not count.
    tool: 'large-attachment',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'info', org: web5.org, servers: [web5.fqdn], placement: 'mixed' }, rng);
      const size = rng.int(200, 400) * 1024;
      const blob = Buffer.alloc(size);
      for (let i = 0; i < size; i++) blob[i] = (i * 2654435761 + 17) >>> 24;
      const log = Array.from({ length: 200 }, (_, i) => `${i} :critical: :org:evil.attachment: :svr:evil.example.test: :sched-perday-9:`).join('\n');
      return {
        tags,
        spec: base(at, id, `${tags.subject} nightly core dump collection`, {
          multipart: 'mixed',
          parts: [
            { type: 'text/plain', charset: 'us-ascii', encoding: '7bit', content: `collected 1 core dump, ${size} bytes compressed\n${tags.body.join('\n')}\n` },
            { type: 'text/plain', charset: 'us-ascii', encoding: 'quoted-printable', content: log, filename: 'probe.log' },
            { type: 'application/gzip', encoding: 'base64', content: blob, filename: 'core.web5.gz' },
          ],
        }),
      };
    },
  },
  {
    // A body that says UTF-8 and is not, and a raw 8-bit subject: tags are still plain ASCII.
    tool: 'invalid-utf8',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'warn', org: web5.org, servers: [web5.fqdn], placement: 'body' }, rng);
      const body = Buffer.concat([
        Buffer.from('sensor readings: ', 'latin1'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82, 0x0a]),
        Buffer.from(`temp \xb0C 41\n${tags.body.join('\n')}\n`, 'latin1'),
      ]);
      const spec = base(at, id, '', { type: 'text/plain', charset: 'utf-8', encoding: '8bit', content: body });
      return { tags, spec: { ...spec, rawSubject: Buffer.from([0x73, 0x65, 0x6e, 0x73, 0x6f, 0x72, 0x20, 0xe9, 0xf6, 0xff, 0x20, 0x72, 0x65, 0x70, 0x6f, 0x72, 0x74]) } };
    },
  },
  {
    // HTML only, with tags where no reader sees them: <script>, <style>, attributes, links.
    tool: 'hostile-html',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'info', org: 'datamer.frontend.ui.service2', servers: [web5.fqdn], placement: 'body' }, rng);
      const html = `<html><head><title>:critical: status</title>\n<style>/* :critical: :org:evil.style: */ .x{color:red}</style>\n<script type="text/javascript">var tag = ":critical: :org:evil.script: :svr:evil.example.test:"; document.write("<b>" + ":sched-perday-3:" + "</b>");</script>\n</head>\n<body onload="track(':critical:')">\n<img src="http://tracker.invalid/p.gif" alt=":critical: :org:evil.alt:" title=":svr:evil-title.example.test:">\n<p>Weekly status of the web tier: all green.</p>\n<p><a href="http://example.test/:org:evil.href:/:critical:" title=":warn:">dashboard</a></p>\n<noscript>:critical: :org:evil.noscript:</noscript>\n<p>${tags.body.join('<br>\n')}</p>\n<script>/* second script :critical: */</script>\n</body></html>\n`;
      return { tags, spec: base(at, id, 'weekly web tier status', { type: 'text/html', charset: 'utf-8', encoding: 'quoted-printable', content: html }), flags: ['html-only'] };
    },
  },
  {
    // NUL bytes in the body (PostgreSQL text cannot hold them).
    tool: 'nul-bytes',
    make: (rng, at, id) => {
      const tags = tagging({ severity: 'warn', servers: [web5.fqdn], placement: 'subject' }, rng);
      return { tags, spec: base(at, id, `${tags.subject} binary dump in body`, { type: 'text/plain', charset: 'us-ascii', encoding: '8bit', content: Buffer.from('dump follows:\n\u0000\u0000\u0001\u0002 trailing\u0000text\n', 'latin1') }) };
    },
  },
];

export function hostileMail(planner: Planner, rng: Rng, start: number, end: number): void {
  const days = (end - start) / DAY;
  const copies = Math.max(1, Math.round(days / 7));
  for (const h of HOSTILE) {
    for (let i = 0; i < copies; i++) {
      const at = Math.floor((start + rng.next() * (end - start)) / 1000) * 1000;
      const messageId = `<probe.${planner.nextSerial()}.${at / 1000}@web5.example.test>`;
      const made = h.make(rng, at, messageId);
      planner.raw({
        at,
        tool: h.tool,
        sender,
        messageId,
        expected: made.tags.expected,
        tagWarnings: made.tags.warnings,
        incident: null,
        flags: [...new Set<Flag>([...made.tags.flags, 'hostile', ...(made.flags ?? [])])],
        rejected: false,
        render: () => buildMessage(made.spec!),
      });
    }
  }
  // One empty message: nothing but its mbox From_ line.
  const at = Math.floor((start + rng.next() * (end - start)) / 1000) * 1000;
  planner.raw({ at, tool: 'empty', sender: 'MAILER-DAEMON', messageId: null, expected: untagged().expected, tagWarnings: 0, incident: null, flags: ['hostile', 'empty', 'untagged'], rejected: true, render: () => Buffer.alloc(0) });
}

/** Re-deliveries: some mail with a Message-ID comes twice; some without one comes twice, byte for byte. */
export function redeliveries(planner: Planner, rng: Rng, candidates: readonly Draft[], share: number): void {
  const withId = candidates.filter((d) => d.messageId !== null);
  const withoutId = candidates.filter((d) => d.messageId === null);
  const count = Math.max(3, Math.round(withId.length * share));
  const chosen = new Set<Draft>();
  for (let i = 0; i < count && chosen.size < withId.length; i++) chosen.add(rng.pick(withId));
  for (let i = 0; i < Math.max(2, Math.round(withoutId.length * share * 2)) && withoutId.length > 0; i++) chosen.add(rng.pick(withoutId));
  for (const original of chosen) planner.redeliver(original, rng);
}
