import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { importSources, planImport, summaryLine, type ImportTarget } from '../../../src/cli/import.js';
import { isDatamerError } from '../../../src/errors.js';
import { countMessages, findMessage, listMessages } from '../../../src/ingest/messages.js';
import { projectRoot } from '../../../src/paths.js';
import { evaluateDue } from '../../../src/schedules/tick.js';
import { streamSummaries } from '../../../src/schedules/stream-admin.js';
import { syncStreams } from '../../../src/schedules/streams.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';

const fixture = (...parts: string[]) => path.join(projectRoot, 'fixtures', ...parts);
const MBOX = fixture('mbox', 'monitoring.mbox');
const MAILDIR = fixture('maildir', 'monitoring');

describe('datamer import', () => {
  let t: TestDb;
  let acme: ImportTarget;
  let tmp: string;

  beforeEach(async () => {
    t = await openTestDb();
    const { tenant, mailbox } = await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' });
    acme = { tenantId: tenant.id, mailboxId: mailbox.id, maxBytes: 25 * 1024 * 1024 };
    tmp = mkdtempSync(path.join(os.tmpdir(), 'datamer-import-'));
  });
  afterEach(async () => {
    await t.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = async (target: ImportTarget, ...paths: string[]) => importSources(t.deps, target, await planImport(paths));

  it('stores every message of an mbox for the tenant, as arrived by import on its address', async () => {
    const tally = await run(acme, MBOX);
    expect(summaryLine(tally)).to.equal('3 stored, 0 already there, 0 rejected');
    const messages = await listMessages(t.deps, acme.tenantId);
    expect(messages.map((m) => m.subject).sort()).to.deep.equal([
      ':info: :org:datamer.data.db.olap: nightly backup of db1 finished',
      ':warn: :org:datamer.frontend.ui.service1: disk /var on web2 is 91% full',
      'Cron <root@batch3> /usr/local/bin/rotate-logs',
    ]);
    expect(messages.every((m) => m.source === 'import' && m.mailboxId === acme.mailboxId)).to.equal(true);
  });

  it('stores the body as it was before mbox quoting', async () => {
    await run(acme, MBOX);
    const listed = (await listMessages(t.deps, acme.tenantId)).find((m) => m.subject?.includes('disk'));
    const raw = (await findMessage(t.deps, acme.tenantId, listed!.id))!.raw.toString('utf8');
    expect(raw).to.include('(threshold 90%).\nFrom the last check: 88% at 02:12.\n');
    expect(raw).not.to.include('>From');
  });

  it('keeps the time history happened: delivered (Received), else written (Date), for the message, its event and its stream, and raises no alert about it', async () => {
    t.clock.set(new Date('2026-12-03T09:00:00Z'));
    const eml = (name: string, headers: string[], subject: string) => {
      const file = path.join(tmp, name);
      writeFileSync(file, [...headers, 'From: cron@db1.example.test', `Subject: ${subject}`, `Message-ID: <${name}@db1.example.test>`, '', ':svr:db1.example.test', ''].join('\r\n'));
      return file;
    };
    const backup = ':info: :org:acme.db: nightly backup of db1 finished :sched-perday-1:';
    const relayed = eml('relayed.eml', [
      'Received: from mx.acme.test (mx.acme.test [10.0.0.2])\r\n\tby imap.acme.test with LMTP id x1; Mon, 23 Nov 2026 03:00:07 +0100 (CET)',
      'Received: from db1.example.test by mx.acme.test; Mon, 23 Nov 2026 02:00:06 +0000',
      'Date: Mon, 23 Nov 2026 02:00:05 +0000',
    ], backup);
    const dated = eml('dated.eml', ['Date: Tue, 24 Nov 2026 02:00:05 +0000'], backup);
    const ahead = eml('ahead.eml', ['Date: Fri, 1 Jan 2027 00:00:00 +0000'], ':warn: :org:acme.db: a sender whose clock runs ahead');
    await run(acme, relayed, dated, ahead);

    const byId = async (name: string) => (await t.db.models.Message.findOne({ where: { messageIdHeader: `<${name}@db1.example.test>` } }))!;
    const eventOf = async (messageId: number) => (await t.db.models.Event.findByPk((await t.db.models.EventMessage.findOne({ where: { messageId } }))!.eventId))!;
    const times = async (name: string) => {
      const m = await byId(name);
      return [m.receivedAt.toISOString(), (await eventOf(m.id)).createdAt.toISOString()];
    };
    expect(await times('relayed.eml'), 'the topmost Received header: delivered into the mailbox').to.deep.equal(['2026-11-23T02:00:07.000Z', '2026-11-23T02:00:07.000Z']);
    expect(await times('dated.eml')).to.deep.equal(['2026-11-24T02:00:05.000Z', '2026-11-24T02:00:05.000Z']);
    expect(await times('ahead.eml'), 'never later than now').to.deep.equal(['2026-12-03T09:00:00.000Z', '2026-12-03T09:00:00.000Z']);

    // Its schedule counts in the windows of its own days, not today's.
    await syncStreams(t.deps);
    const [stream] = await t.db.models.Stream.findAll({ where: { tenantId: acme.tenantId } });
    expect([stream!.firstSeenAt.toISOString(), stream!.lastSeenAt.toISOString()]).to.deep.equal(['2026-11-23T02:00:07.000Z', '2026-11-24T02:00:05.000Z']);
    // History pages nobody: the job stopped after the 24th, but no window reaching into the
    // imported past raises an alert; still missing a full window after the import, it is alerted then.
    expect((await evaluateDue(t.deps)).raised, 'alerts about the imported past').to.deep.equal([]);
    expect((await streamSummaries(t.deps, acme.tenantId))[0]).to.deep.include({ quietUntil: '2026-12-04T09:00:00.000Z', quietFor: 'imported history' });
    t.clock.set(new Date('2026-12-04T09:00:00Z'));
    const report = await evaluateDue(t.deps);
    expect(report.raised.map((r) => [r.condition, r.at.toISOString()])).to.deep.equal([['missing', '2026-12-04T09:00:00.000Z']]);
  });

  it('stores nothing new when the same mbox is imported twice', async () => {
    await run(acme, MBOX);
    const again = await run(acme, MBOX);
    expect(summaryLine(again)).to.equal('0 stored, 3 already there, 0 rejected');
    expect(await countMessages(t.deps, acme.tenantId)).to.equal(3);
  });

  it('stores a maildir, from cur/ and new/', async () => {
    const tally = await run(acme, MAILDIR);
    expect(summaryLine(tally)).to.equal('3 stored, 0 already there, 0 rejected');
    const subjects = (await listMessages(t.deps, acme.tenantId)).map((m) => m.subject);
    expect(subjects).to.include(':warn: :org:datamer.frontend.ui.service1: disk /var on web2 is 93% full');
  });

  it('stores .eml files, each one message, alongside an mbox and a maildir in one run', async () => {
    const eml = path.join(tmp, 'cert-check.eml');
    writeFileSync(eml, 'From: root@batch3.example.test\r\nSubject: certificates checked\r\nMessage-ID: <certs-1@batch3>\r\n\r\nall valid\r\n');
    const tally = await run(acme, fixture('hello.eml'), eml, MBOX, MAILDIR);
    expect(summaryLine(tally)).to.equal('8 stored, 0 already there, 0 rejected');
    expect(await countMessages(t.deps, acme.tenantId)).to.equal(8);
  });

  it('rejects empty and oversized messages with their reason, and stores the rest', async () => {
    const file = path.join(tmp, 'mixed.mbox');
    writeFileSync(
      file,
      'From a Mon Nov 23 02:00:06 2026\nSubject: fine\nMessage-ID: <fine@x>\n\nok\n\n' +
        'From b Mon Nov 23 02:00:07 2026\n\n' +
        `From c Mon Nov 23 02:00:08 2026\nSubject: huge\n\n${'y'.repeat(5000)}\n\n` +
        'From d Mon Nov 23 02:00:09 2026\nSubject: also fine\nMessage-ID: <fine2@x>\n\nok\n',
    );
    const emptyEml = path.join(tmp, 'empty.eml');
    writeFileSync(emptyEml, '');
    const tally = await run({ ...acme, maxBytes: 4096 }, file, emptyEml);
    expect(summaryLine(tally)).to.equal('2 stored, 0 already there, 3 rejected');
    expect(tally.rejections).to.deep.equal([
      { where: `${file}, message 2`, reason: 'empty message' },
      { where: `${file}, message 3`, reason: 'too large: 5016 bytes, the limit is 4096 (DATAMER_SMTP_MAX_BYTES)' },
      { where: emptyEml, reason: 'empty message' },
    ]);
    expect(await countMessages(t.deps, acme.tenantId)).to.equal(2);
  });

  it('imports into the named tenant only: another tenant gets its own copy', async () => {
    const { tenant, mailbox } = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
    await run(acme, MBOX);
    const tally = await run({ ...acme, tenantId: tenant.id, mailboxId: mailbox.id }, MBOX);
    expect(tally.stored).to.equal(3);
    expect(await countMessages(t.deps, acme.tenantId)).to.equal(3);
    expect(await countMessages(t.deps, tenant.id)).to.equal(3);
  });

  it('refuses a path it cannot use before storing anything', async () => {
    const notMaildir = path.join(tmp, 'plain-dir');
    mkdirSync(notMaildir);
    for (const bad of [path.join(tmp, 'missing.mbox'), notMaildir]) {
      const err = await planImport([MBOX, bad]).catch((e: unknown) => e);
      expect(isDatamerError(err, 'INPUT_INVALID'), String(err)).to.equal(true);
    }
    expect(await countMessages(t.deps, acme.tenantId)).to.equal(0);
  });

  it('reports progress in bytes up to the size of everything it read', async () => {
    const seen: number[] = [];
    const sources = await planImport([MBOX, MAILDIR]);
    await importSources(t.deps, acme, sources, (bytes) => seen.push(bytes));
    const total = sources.reduce((sum, s) => sum + s.bytes, 0);
    expect(seen).to.have.length(6);
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(seen);
    expect(seen.at(-1)).to.equal(total);
  });
});
