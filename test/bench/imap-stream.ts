// The live half of the IMAP benchmark: a steady stream of monitoring mail through Postfix (SMTP,
// queue, LMTP into Dovecot), and per message the delay from handing it to Postfix until DaTamer
// has it stored and filed. The floor is a bare imapflow client in IDLE on a mailbox of its own
// getting the same stream: the delay until Dovecot announces the message (EXISTS).
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { watchMailbox } from '../../src/mailboxes/watcher.js';
import { waitFor } from '../helpers/net.js';
import { BENCH_KEY, datamerFor, type Dialect } from './imap-datamer.js';
import { benchMail, messageIdOf } from './imap-mail.js';
import type { Cost, Probe } from './imap-probe.js';
import { BENCH_MAIL_PASSWORD } from './imap-servers.js';
import { BENCH_FROM } from './monitoring-mail.js';

export interface StreamPlan {
  smtpPort: number;
  imapPort: number;
  ratePerSecond: number;
  seconds: number;
  /** messages sent first and not measured (DaTamer makes its folders on them) */
  warmup: number;
}

export interface StreamRun {
  sent: number;
  /** per message, ms from sendMail until Postfix answered 250 */
  queued: number[];
  /** per message, ms from sendMail until the message was announced (bare) or stored (DaTamer) */
  seen: number[];
  /** DaTamer: per message, ms from sendMail until it was filed (placement committed) */
  filed: number[];
  /** messages sent but never seen/filed */
  missing: number;
  costs?: Map<string, Cost>;
  /** DaTamer: time including what was called inside, by wrapped call */
  inclusive?: Map<string, Cost>;
  /** DaTamer: the passes that took in mail */
  passes?: number;
  /** what went wrong (DaTamer's own warnings and errors) */
  problems?: string[];
  /** DaTamer: how long each wait for news between passes lasted, ms (those begun and over while the stream was being sent) */
  waits?: number[];
}

interface Sending {
  sentAt: Map<string, number>;
  queued: number[];
  errors: string[];
  done: Promise<void>;
}

/** Sends `count` messages to `to` through Postfix, one every 1/rate s on a fixed timetable. */
function sendStream(smtpPort: number, to: string, series: string, count: number, ratePerSecond: number): Sending {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: Infinity });
  const sentAt = new Map<string, number>();
  const queued: number[] = [];
  const errors: string[] = [];
  const done = (async () => {
    const inFlight: Array<Promise<void>> = [];
    const start = performance.now();
    for (let n = 0; n < count; n++) {
      const due = start + (n * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const raw = benchMail(series, n);
      const header = messageIdOf(raw)!;
      const t0 = performance.now();
      sentAt.set(header, t0);
      inFlight.push(
        transport.sendMail({ envelope: { from: BENCH_FROM, to: [to] }, raw }).then(
          () => void queued.push(performance.now() - t0),
          (err: Error) => void errors.push(err.message),
        ),
      );
    }
    await Promise.all(inFlight);
    transport.close();
  })();
  return { sentAt, queued, errors, done };
}

/** IDLE is what should wake the watcher; the poll is only its safety net. */
export const POLL_MS = 1_000;

const deadline = (plan: StreamPlan) => 60_000 + plan.seconds * 1000;

/** The floor: a bare IDLE client, and when Dovecot announces each message of the stream. */
export async function bareStream(plan: StreamPlan, user: string): Promise<StreamRun> {
  const client = new ImapFlow({ host: '127.0.0.1', port: plan.imapPort, secure: false, auth: { user, pass: BENCH_MAIL_PASSWORD }, logger: false, disableAutoIdle: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const warm = sendStream(plan.smtpPort, user, 'warm-bare', plan.warmup, plan.ratePerSecond);
    await warm.done;
    // STATUS on the selected folder answers what this session has seen so far: NOOP catches up.
    const exists = async () => {
      await client.noop();
      return client.mailbox ? client.mailbox.exists : 0;
    };
    await waitFor(async () => (await exists()) === plan.warmup, 'the warm-up mail in the bare mailbox', deadline(plan));

    // [count, when]: Dovecot says "now there are `count` messages" during IDLE.
    const announced: Array<[number, number]> = [];
    client.on('exists', (update: { count: number }) => announced.push([update.count, performance.now()]));
    const idling = client.idle();
    const count = plan.ratePerSecond * plan.seconds;
    const stream = sendStream(plan.smtpPort, user, 'bare', count, plan.ratePerSecond);
    await stream.done;
    await waitFor(() => (announced.at(-1)?.[0] ?? 0) >= plan.warmup + count, 'the bare client to see the whole stream', deadline(plan)).catch(() => undefined);

    // The next command ends IDLE. Sequence numbers are in arrival order: message k was
    // announced by the first EXISTS that counted at least k messages.
    const seen: number[] = [];
    for await (const m of client.fetch('1:*', { envelope: true })) {
      const sent = stream.sentAt.get(m.envelope?.messageId ?? '');
      const when = announced.find(([c]) => c >= m.seq)?.[1];
      if (sent !== undefined && when !== undefined) seen.push(when - sent);
    }
    await idling.catch(() => undefined);
    return { sent: count, queued: stream.queued, seen, filed: [], missing: count - seen.length };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** DaTamer's watcher on `user`'s mailbox (IDLE, polling every second at the latest) under the stream. */
export async function datamerStream(plan: StreamPlan, dialect: Dialect, user: string, probe: Probe): Promise<StreamRun> {
  const datamer = await datamerFor(dialect, plan.imapPort, user);
  const controller = new AbortController();
  let watching: Promise<void> | null = null;
  try {
    probe.reset();
    watching = watchMailbox(
      datamer.deps,
      datamer.mailbox.id,
      { key: () => BENCH_KEY, pollMs: POLL_MS, leaseMs: 60_000, backoff: { initialMs: 100, maxMs: 1_000 }, discoverMs: 1_000 },
      controller.signal,
    );
    // Mail that came before DaTamer first looked would be backlog, not live mail.
    await waitFor(async () => (await datamer.count(`SELECT count(*) AS n FROM mailbox_folders WHERE role = 'inbox'`)) === 1, 'the watcher to look at the inbox', 30_000);

    const warm = sendStream(plan.smtpPort, user, `warm-${dialect}`, plan.warmup, plan.ratePerSecond);
    await warm.done;
    await waitFor(() => [...warm.sentAt.keys()].every((h) => probe.filedAt.has(h)), 'DaTamer to file the warm-up mail', deadline(plan));
    // Let the pass that filed them finish (it reads the folders it filed into) before measuring.
    await sleep(2_000);
    probe.reset();

    const count = plan.ratePerSecond * plan.seconds;
    const stream = sendStream(plan.smtpPort, user, `stream-${dialect}`, count, plan.ratePerSecond);
    await stream.done;
    await waitFor(() => [...stream.sentAt.keys()].every((h) => probe.filedAt.has(h)), 'DaTamer to file the stream', deadline(plan)).catch(() => undefined);
    await sleep(1_500);
    const costs = new Map(probe.costs);
    const inclusive = new Map(probe.inclusive);
    const firstSent = Math.min(...stream.sentAt.values());
    const lastSent = Math.max(...stream.sentAt.values());
    const waits = probe.waits.filter((w) => w.start >= firstSent && w.start + w.ms <= lastSent).map((w) => w.ms);

    const seen: number[] = [];
    const filed: number[] = [];
    for (const [header, sent] of stream.sentAt) {
      const stored = probe.storedAt.get(header);
      const placed = probe.filedAt.get(header);
      if (stored !== undefined) seen.push(stored - sent);
      if (placed !== undefined) filed.push(placed - sent);
    }
    const problems = datamer.logged.length > 0 ? [`DaTamer logged ${datamer.logged.length} warnings or errors, the first: ${datamer.logged[0]}`] : [];
    return { sent: count, queued: stream.queued, seen, filed, missing: count - filed.length, costs, inclusive, passes: costs.get('IMAP UID SEARCH (inbox)')?.calls ?? 0, waits, problems };
  } finally {
    controller.abort();
    await watching;
    await datamer.dispose();
  }
}
