import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { runCli } from '../../../src/cli/program.js';
import { openDb } from '../../../src/db.js';
import { readMbox, splitMbox } from '../../../src/mailboxes/mbox.js';
import { projectRoot } from '../../../src/paths.js';
import type { MessageLine, ReplayLine } from '../../../src/replay/lines.js';
import { replay } from '../../../src/replay/replay.js';
import { addRule } from '../../../src/classification/rule-store.js';
import { addGroup, addUser, joinGroup, subscribe } from '../../../src/people/people.js';
import { receive } from '../../../src/pipeline.js';
import { setStreamGrace } from '../../../src/schedules/stream-admin.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createTestDatabase, openTestDb } from '../../helpers/db.js';
import { generatedTime, generateMbox } from './mbox-generator.js';

const OUT_OF_ORDER = path.join(projectRoot, 'fixtures', 'mbox', 'out-of-order.mbox');
const MAX = 25 * 1024 * 1024;

async function replayed(source: AsyncIterable<{ raw: Buffer; size: number; envelopeDate: Date | null }>, options: { tenant?: string; maxBytes?: number } = {}) {
  const lines: ReplayLine[] = [];
  const summary = await replay(source, (line) => void lines.push(line), { maxBytes: MAX, ...options });
  return { lines, summary };
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe('datamer replay', () => {
  it('delivers the messages in Date order, each at its own time, naming its mbox index and first copy', async () => {
    const { lines, summary } = await replayed(readMbox(OUT_OF_ORDER));
    const brief = lines.filter((l) => l.type !== 'event').map((l) =>
      l.type === 'message' ? [l.index, l.messageId, l.receivedAt, l.duplicateOf] : l.type === 'rejected' ? [l.index, l.reason] : l,
    );
    expect(brief).to.deep.equal([
      // no Date header: the From_ line's date
      [2, '<cron-certs-20261123@batch3.example.test>', '2026-11-23T01:30:00.000Z', null],
      [1, '<backup-20261123-0200@db1.example.test>', '2026-11-23T02:00:05.000Z', null],
      [0, '<disk-var-web2-20261123-0312@web2.example.test>', '2026-11-23T03:12:40.000Z', null],
      // the same Message-ID again, at the same instant: after its first copy, and pointing at it
      [3, '<disk-var-web2-20261123-0312@web2.example.test>', '2026-11-23T03:12:40.000Z', 0],
      // an unreadable Date and no date on its From_ line: the time of the message before it
      [4, '<lag-db1-1@mon1.example.test>', '2026-11-23T03:12:40.000Z', null],
      // Date in -0500: 04:00:01 UTC
      [6, null, '2026-11-23T04:00:01.000Z', null],
      [5, 'empty message'],
    ]);
    expect(summary).to.deep.equal({ messages: 7, stored: 5, duplicates: 1, rejected: 1 });
  });

  it('prints each message\'s classification and event, and each new event once', async () => {
    const { lines } = await replayed(readMbox(OUT_OF_ORDER));
    const message = (index: number) => lines.find((l): l is MessageLine => l.type === 'message' && l.index === index)!;
    expect(message(0).classification).to.deep.equal({ severity: 'warn', org: 'datamer.frontend.ui.service1', servers: [], schedule: null, by: 'tag' });
    expect(message(0).tagWarnings).to.deep.equal([]);
    expect(message(2).classification).to.deep.include({ org: null, by: 'none' });
    // The repeat shares its first copy's classification and event.
    expect(message(3).eventId).to.equal(message(0).eventId);
    expect(message(3).classification).to.deep.equal(message(0).classification);

    const events = lines.filter((l) => l.type === 'event');
    expect(events.map((e) => e.id)).to.deep.equal(['1', '2', '3', '4', '5']);
    // An event line follows the message line that made it.
    const disk = lines.findIndex((l) => l.type === 'message' && l.index === 0);
    expect(lines[disk + 1]).to.deep.equal({
      type: 'event', id: message(0).eventId, kind: 'message', createdAt: '2026-11-23T03:12:40.000Z',
      severity: 'warn', org: 'datamer.frontend.ui.service1', messageIds: ['<disk-var-web2-20261123-0312@web2.example.test>'], stream: null,
    });
  });

  it('gives the same lines every time the same mbox is replayed', async () => {
    const data = generateMbox(120);
    const first = await replayed(each(splitMbox(data)));
    const second = await replayed(each(splitMbox(data)));
    expect(second.lines).to.deep.equal(first.lines);
  });

  it('replays a bigger shuffled mbox in time order, every message once, repeats pointing back at their first copy', async () => {
    const count = 300;
    const { lines, summary } = await replayed(each(splitMbox(generateMbox(count))));
    const messages = lines.filter((l): l is MessageLine => l.type === 'message');
    expect(messages.map((l) => l.index).sort((a, b) => a - b)).to.deep.equal([...Array(count).keys()]);
    const times = messages.map((l) => l.receivedAt);
    expect([...times].sort()).to.deep.equal(times);
    for (const line of messages) {
      const source = line.index % 10 === 9 ? line.index - 1 : line.index;
      expect(line.receivedAt).to.equal(generatedTime(source).toISOString());
      expect(line.duplicateOf).to.equal(source === line.index ? null : source);
    }
    expect(summary).to.deep.equal({ messages: count, stored: 270, duplicates: 30, rejected: 0 });
  });

  it('rejects a message over the size limit with its reason and goes on', async () => {
    const big = `From a Mon Nov 23 02:00:00 2026\nSubject: big\nDate: Mon, 23 Nov 2026 02:00:00 +0000\n\n${'z'.repeat(3000)}\n\n`;
    const small = 'From b Mon Nov 23 01:00:00 2026\nSubject: small\nDate: Mon, 23 Nov 2026 03:00:00 +0000\n\nok\n';
    const { lines } = await replayed(each(splitMbox(Buffer.from(big + small), { keepAtMost: 2048 })), { maxBytes: 2048 });
    expect(lines.map((l) => l.type)).to.deep.equal(['rejected', 'message', 'event']);
    expect(lines[0]).to.deep.equal({ type: 'rejected', index: 0, reason: 'too large: 3053 bytes, the limit is 2048 (DATAMER_SMTP_MAX_BYTES)' });
  });

  it('replays an empty mbox to no lines', async () => {
    const { lines, summary } = await replayed(each([]));
    expect(lines).to.deep.equal([]);
    expect(summary.messages).to.equal(0);
  });

  describe('as a command', () => {
    let tmp: string;
    before(() => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'datamer-replay-'));
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('prints one JSON object per line on stdout and leaves the configured database alone', async () => {
      const database = await createTestDatabase();
      try {
        let stdout = '';
        let stderr = '';
        const code = await runCli(['replay', '--mbox', OUT_OF_ORDER, '--tenant', 'lab'], {
          env: { ...process.env, DATABASE_URL: database.url },
          stdout: { write: (s: string) => void (stdout += s) },
          stderr: { write: (s: string) => void (stderr += s) },
        });
        expect(code).to.equal(0);
        const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ReplayLine);
        expect(lines.flatMap((l) => (l.type === 'message' || l.type === 'rejected' ? [l.index] : []))).to.deep.equal([2, 1, 0, 3, 4, 6, 5]);
        expect(lines.filter((l) => l.type === 'event')).to.have.length(5);
        expect(stderr).to.equal('datamer: replayed 7 messages: 5 stored, 1 duplicates, 1 rejected\n');
        // The replay ran on its own in-memory database: the configured one was not even created.
        const db = await openDb(database.url);
        try {
          const tables = await db.sequelize.getQueryInterface().showAllTables();
          expect(tables).to.deep.equal([]);
        } finally {
          await db.close();
        }
      } finally {
        await database.drop();
      }
    });

    it('replays with a tenant\'s rules, streams and subscriptions, and leaves that tenant\'s database as it was', async () => {
      const t = await openTestDb();
      try {
        const { tenant } = await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' });
        await addUser(t.deps, tenant.id, { email: 'alice@acme.test', handle: 'alice' });
        await addGroup(t.deps, tenant.id, 'dbas');
        await joinGroup(t.deps, tenant.id, 'dbas', 'alice');
        await subscribe(t.deps, tenant.id, 'dbas', 'acme.db', 'responder');
        const rule = await addRule(t.deps, tenant.id, { name: 'backups', conditions: [{ field: 'subject', pattern: '^nightly backup of db1' }], actions: { org: 'acme.db', severity: 'info' } }, 'alice');
        const backup = (day: number) =>
          `From cron@db1.example.test Mon Nov ${day} 02:00:05 2026\nFrom: cron@db1.example.test\nSubject: nightly backup of db1 finished :sched-perday-1:\nMessage-ID: <backup-${day}@db1>\nDate: Mon, ${day} Nov 2026 02:00:05 +0000\n\n:svr:db1.example.test\n\n`;
        // The tenant's own stream of that job, its grace shortened to 30 minutes.
        t.clock.set(new Date('2026-11-01T02:00:05Z'));
        const [own] = await receive(t.deps, [{ tenantId: tenant.id, mailboxId: null, raw: Buffer.from(backup(1).split('\n').slice(1).join('\n')), source: 'smtp' }]);
        await syncStreams(t.deps);
        const stream = (await t.db.models.Stream.findOne({ where: { tenantId: tenant.id } }))!;
        await setStreamGrace(t.deps, tenant.id, String(stream.id), 30 * 60_000);
        const counts = async () => Promise.all([t.db.models.Message, t.db.models.Event, t.db.models.Stream, t.db.models.OutboxMail, t.db.models.Rule, t.db.models.Activity].map((m: { count(): Promise<number> }) => m.count()));
        const before = { counts: await counts(), revision: (await t.db.models.Tenant.findByPk(tenant.id))!.rulesRevision };

        const mbox = path.join(tmp, 'last-month.mbox');
        writeFileSync(mbox, [20, 21, 22].map(backup).join('') + 'From x@y Tue Nov 24 12:00:00 2026\nSubject: the end of the export\nDate: Tue, 24 Nov 2026 12:00:00 +0000\n\nbye\n');
        const replayCli = async (...args: string[]) => {
          let stdout = '';
          const code = await runCli(['replay', '--mbox', mbox, ...args], { env: { ...process.env, DATABASE_URL: t.url }, stdout: { write: (x: string) => void (stdout += x) }, stderr: { write: () => true } });
          expect(code).to.equal(0);
          return stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ReplayLine);
        };

        const ours = await replayCli('--with-tenant', 'acme');
        const backups = ours.filter((l): l is MessageLine => l.type === 'message' && (l.messageId ?? '').startsWith('<backup'));
        expect(backups.map((l) => [l.classification!.org, l.classification!.by])).to.deep.equal([['acme.db', `rule:${rule.id}`], ['acme.db', `rule:${rule.id}`], ['acme.db', `rule:${rule.id}`]]);
        // Missing after its own 30 minutes of grace, and mailed to the org's responder.
        const missing = ours.find((l) => l.type === 'event' && l.kind === 'schedule-missing');
        expect(missing).to.deep.include({ createdAt: '2026-11-23T02:30:05.000Z', org: 'acme.db' });
        const notices = ours.filter((l) => l.type === 'notice');
        expect(notices).to.have.length(1);
        // Told after the group wait (docs/notifications.md).
        expect(notices[0]).to.deep.include({ kind: 'alert', eventId: (missing as { id: string }).id, to: ['alice@acme.test'], at: '2026-11-23T02:30:35.000Z' });

        // Without the tenant: no rule, no org, nobody to tell, the default grace.
        const bare = await replayCli();
        expect(bare.filter((l): l is MessageLine => l.type === 'message').map((l) => l.classification!.by)).to.deep.equal(['none', 'none', 'none', 'none']);
        expect(bare.filter((l) => l.type === 'notice')).to.deep.equal([]);

        // Read, never written.
        expect({ counts: await counts(), revision: (await t.db.models.Tenant.findByPk(tenant.id))!.rulesRevision }).to.deep.equal(before);
        expect(own!.messageId).to.equal(1);
      } finally {
        await t.dispose();
      }
    });

    it('says so in one line when the tenant to replay with is not there', async () => {
      const t = await openTestDb();
      try {
        let stderr = '';
        const code = await runCli(['replay', '--mbox', OUT_OF_ORDER, '--with-tenant', 'nope'], { env: { ...process.env, DATABASE_URL: t.url }, stdout: { write: () => true }, stderr: { write: (x: string) => void (stderr += x) } });
        expect(code).to.equal(1);
        expect(stderr).to.equal('datamer: --with-tenant nope: no tenant named "nope" in the configured database (see: datamer tenant list)\n');
      } finally {
        await t.dispose();
      }
    });

    it('says so in one line when the mbox is missing', async () => {
      let stderr = '';
      const missing = path.join(tmp, 'nope.mbox');
      const code = await runCli(['replay', '--mbox', missing], { stdout: { write: () => true }, stderr: { write: (s: string) => void (stderr += s) } });
      expect(code).to.equal(1);
      expect(stderr).to.equal(`datamer: cannot read ${missing}: no such file\n`);
    });

    it('replays an mbox file given on the command line, CRLF and all', async () => {
      const file = path.join(tmp, 'crlf.mbox');
      writeFileSync(file, 'From a Mon Nov 23 02:00:00 2026\r\nSubject: one\r\nMessage-ID: <one@x>\r\n\r\nok\r\n\r\n');
      let stdout = '';
      const code = await runCli(['replay', '--mbox', file], { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: () => true } });
      expect(code).to.equal(0);
      expect(JSON.parse(stdout.split('\n')[0]!)).to.include({ type: 'message', index: 0, messageId: '<one@x>', receivedAt: '2026-11-23T02:00:00.000Z' });
    });
  });
});
