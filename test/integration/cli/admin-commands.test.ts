// What an admin reaches for on the command line, against a real database with real mail in it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { runCli } from '../../../src/cli/program.js';
import { openDb } from '../../../src/db.js';
import { deliverDue } from '../../../src/notifications/outbox.js';
import { projectRoot } from '../../../src/paths.js';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';
import { datamer, inProcess, type Run } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { notifyNow } from '../../helpers/notify.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';

const MBOX = path.join(projectRoot, 'fixtures', 'mbox', 'monitoring.mbox');

describe('admin commands from the command line', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => inProcess(env, ...args);
  /** As in a terminal this many characters wide. */
  const inTerminal = async (columns: number, ...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const terminal = { write: (s: string) => void (stdout += s), isTTY: true, columns };
    const code = await runCli(args, { env, stdout: terminal, stderr: { write: (s: string) => void (stderr += s) } });
    return { code, stdout, stderr };
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, DATAMER_LOG_LEVEL: 'silent' };
    expect((await run('tenant', 'add', 'acme', '--address', 'alerts@acme.test')).code).to.equal(0);
    expect((await run('user', 'add', 'alice@acme.test', '--handle', 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('import', MBOX, '--tenant', 'acme')).code).to.equal(0);
  });
  afterEach(() => database.drop());

  it('event list cuts its lines to the terminal\'s width, and leaves them whole for a pipe', async () => {
    const wide = await run('event', 'list', '--tenant', 'acme');
    expect(wide.stdout.split('\n').some((l) => l.length > 60)).to.equal(true);
    const narrow = await inTerminal(60, 'event', 'list', '--tenant', 'acme');
    const lines = narrow.stdout.trimEnd().split('\n');
    expect(lines.length).to.equal(wide.stdout.trimEnd().split('\n').length);
    for (const line of lines) expect([...line].length).to.be.at.most(60);
    expect(lines.some((l) => l.endsWith('…'))).to.equal(true);
  });

  const lines = (r: Run) => r.stdout.trimEnd().split('\n');
  const ids = async (...filters: string[]) => ((JSON.parse((await run('event', 'list', '--tenant', 'acme', '--json', ...filters)).stdout) as Array<{ id: number }>).map((e) => e.id));

  it('datamer --version prints the version of package.json', async () => {
    const version = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await datamer(env, '--version')).to.deep.equal({ code: 0, stdout: `datamer ${version}\n`, stderr: '' });
  });

  it('message show prints the classification, who decided, tag warnings, the event, headers and text; --raw the bytes as they came', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-message-show-'));
    try {
      const raw = 'From: nagios@monitor.example.com\nTo: alerts@acme.test\nSubject: :critcal: :org:acme.db: disk full on db1\nMessage-ID: <typo@monitor.example.com>\nDate: Mon, 23 Nov 2026 08:00:00 +0000\n\nDisk \u001b[31mfull\u001b[0m.\n:svr:db1:\n';
      writeFileSync(path.join(dir, 'one.mbox'), `From nagios@monitor.example.com Mon Nov 23 08:00:00 2026\n${raw}\n`);
      expect((await run('import', path.join(dir, 'one.mbox'), '--tenant', 'acme')).code).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const db = await openDb(database.url);
    const stored = await db.models.Message.findOne({ where: { messageIdHeader: '<typo@monitor.example.com>' } });
    const link = await db.models.EventMessage.findOne({ where: { messageId: stored!.id } });
    await db.close();
    const shown = await run('message', 'show', String(stored!.id), '--tenant', 'acme');
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.contain(`message ${stored!.id}: :critcal: :org:acme.db: disk full on db1`);
    expect(shown.stdout).to.match(/org acme\.db, servers - \(.*org by tag/);
    expect(shown.stdout).to.contain('tag warning (body): :svr:db1: "db1" is not a fully qualified domain name');
    expect(shown.stdout).to.contain(`event #${link!.eventId}`);
    expect(shown.stdout).to.contain('  message-id: <typo@monitor.example.com>');
    // The terminal gets no escape sequence from a message.
    expect(shown.stdout).to.contain('Disk \\x1b[31mfull\\x1b[0m.');
    expect(shown.stdout).to.not.contain('\u001b');
    const raw = await run('message', 'show', String(stored!.id), '--raw', '--tenant', 'acme');
    expect(raw.stdout).to.equal(stored!.raw.toString('latin1'));
    expect((await run('message', 'show', '999', '--tenant', 'acme')).stderr).to.equal('datamer: no message 999 in tenant acme\n');
  });

  it('outbox list shows queued and failed mail with the error; outbox retry sends a failed one again', async () => {
    // An assignment queues a notice to alice; the outgoing server refuses it for good.
    const [first] = await ids();
    expect((await run('event', 'assign', String(first), 'alice', '--tenant', 'acme')).code).to.equal(0);
    // The notifier job's run turns the assignment into the notice.
    const notifierDb = await openDb(database.url);
    try {
      await notifyNow({ db: notifierDb, clock: systemClock, log: silentLogger() });
    } finally {
      await notifierDb.close();
    }
    const queued = await run('outbox', 'list', '--tenant', 'acme');
    expect(lines(queued)[0]).to.match(/^ID\s+CREATED\s+STATUS\s+TRIES\s+KIND\s+TO\s+SUBJECT$/);
    expect(lines(queued)[1]).to.match(/^(\d+)\s+\S+ \S+\s+queued\s+0\s+assignment\s+alice@acme\.test\s+/);
    const id = /^(\d+)/.exec(lines(queued)[1]!)![1]!;

    const sink = await startSmtpSink();
    const db = await openDb(database.url);
    const deps = { db, clock: systemClock, log: silentLogger() };
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    try {
      sink.rejectNext(1, 550, 'no such mailbox');
      expect((await deliverDue(deps, transport, 'test')).failed).to.equal(1);
      const failed = await run('outbox', 'list', '--status', 'failed', '--tenant', 'acme');
      expect(lines(failed)).to.have.length(2);
      expect(lines(failed)[1]).to.match(/\bfailed\s+1\s+assignment\b.*\[.*550.*no such mailbox/);
      expect(await run('outbox', 'retry', id, '--tenant', 'acme')).to.deep.include({ code: 0, stdout: `outgoing mail ${id} to alice@acme.test is queued again; the delivery job sends it within 15 s\n` });
      expect((await deliverDue(deps, transport, 'test')).sent).to.equal(1);
      expect(sink.mails.map((m) => m.envelope.to)).to.deep.equal([['alice@acme.test']]);
      expect((await run('outbox', 'retry', id, '--tenant', 'acme')).stderr).to.equal(`datamer: outgoing mail ${id} is sent, not failed: it went out already\n`);
      const listed = JSON.parse((await run('outbox', 'list', '--json', '--tenant', 'acme')).stdout) as Array<{ id: number; status: string; attempts: number }>;
      expect(listed.find((m) => m.id === Number(id))).to.deep.include({ status: 'sent', attempts: 1 });
    } finally {
      transport.close();
      await db.close();
      await sink.close();
    }
  });

  it('event list filters by status, severity, org, assignee, the triage pile and age, together', async () => {
    const all = await ids();
    expect(all).to.have.length(3);
    const [unclassified, warn, info] = all as [number, number, number];
    expect(await ids('--severity', 'warn')).to.deep.equal([warn]);
    expect(await ids('--severity', 'info,warn')).to.deep.equal([warn, info]);
    expect(await ids('--org', 'datamer.data.*')).to.deep.equal([info]);
    expect(await ids('--org', 'datamer.*')).to.deep.equal([warn, info]);
    expect(await ids('--org', 'datamer.frontend.ui.service1')).to.deep.equal([warn]);
    expect(await ids('--org', 'datamer.front.*')).to.deep.equal([]);
    expect(await ids('--unclassified')).to.deep.equal([unclassified]);
    expect((await run('event', 'assign', String(warn), 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect(await ids('--assignee', 'alice')).to.deep.equal([warn]);
    expect(await ids('--assignee', 'none')).to.deep.equal([unclassified, info]);
    expect(await ids('--status', 'assigned')).to.deep.equal([warn]);
    expect(await ids('--status', 'open', '--org', 'datamer.*')).to.deep.equal([info]);
    // The imported mail keeps its own time (23 November): older than an hour, newer than 1 November.
    expect(await ids('--since', '1h')).to.deep.equal([]);
    expect(await ids('--since', '2026-11-01')).to.deep.equal(all);
    expect(await ids('--since', '2099-01-01')).to.deep.equal([]);
    expect((await run('event', 'list', '--severity', 'fatal', '--tenant', 'acme')).stderr).to.equal('datamer: --severity "fatal": use info, warn, critical (comma-separated)\n');
    expect((await run('event', 'list', '--since', 'yesterday', '--tenant', 'acme')).stderr).to.equal('datamer: --since "yesterday": write a duration (2h, 1d) or a date (2026-11-23)\n');
  });

  it('group list, group leave, subscription list and unsubscribe undo what was set up', async () => {
    expect((await run('user', 'add', 'bob@acme.test', '--handle', 'bob', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('group', 'add', 'dbas', '--tenant', 'acme')).code).to.equal(0);
    for (const h of ['alice', 'bob']) expect((await run('group', 'join', 'dbas', h, '--tenant', 'acme')).code).to.equal(0);
    expect((await run('subscribe', 'dbas', 'acme.db.*', 'responder', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('subscribe', 'dbas', 'acme.web', 'interested', '--tenant', 'acme')).code).to.equal(0);
    expect(lines(await run('group', 'list', '--tenant', 'acme'))[1]).to.match(/^dbas\s+alice, bob\s+responder acme\.db\.\*, interested acme\.web$/);
    expect(lines(await run('subscription', 'list', '--tenant', 'acme')).slice(1)).to.deep.equal(['dbas   responder   acme.db.*', 'dbas   interested  acme.web']);
    expect((await run('group', 'leave', 'dbas', 'bob', '--tenant', 'acme')).stdout).to.equal('bob left group "dbas"\n');
    expect((await run('unsubscribe', 'dbas', 'acme.web', '--tenant', 'acme')).stdout).to.equal('group "dbas" is no longer subscribed to acme.web\n');
    const groups = JSON.parse((await run('group', 'list', '--json', '--tenant', 'acme')).stdout) as unknown;
    // Beside it, the triage group every tenant has (docs/notifications.md).
    expect(groups).to.deep.equal([
      { name: 'dbas', members: ['alice'], subscriptions: [{ orgPattern: 'acme.db.*', level: 'responder' }] },
      { name: 'triage', members: [], subscriptions: [] },
    ]);
    expect((await run('group', 'leave', 'dbas', 'bob', '--tenant', 'acme')).stderr).to.equal('datamer: bob is not in group "dbas"\n');
    expect((await run('unsubscribe', 'dbas', 'acme.web', '--tenant', 'acme')).stderr).to.equal('datamer: group "dbas" has no subscription to acme.web (see: datamer subscription list)\n');
  });

  it('user remove says what goes, removes only with --yes, and gives the user\'s events back', async () => {
    const [first] = await ids();
    expect((await run('group', 'add', 'dbas', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('group', 'join', 'dbas', 'alice', '--tenant', 'acme')).code).to.equal(0);
    expect((await run('event', 'assign', String(first), 'alice', '--tenant', 'acme')).code).to.equal(0);
    const asked = await run('user', 'remove', 'alice', '--tenant', 'acme');
    expect(asked).to.deep.equal({
      code: 1,
      stdout: `would remove user alice <alice@acme.test>: 1 group membership(s); 1 assigned event(s) go back to open (#${first}); the activity log keeps what they did\n`,
      stderr: 'datamer: nothing removed; run again with --yes to remove alice\n',
    });
    expect(lines(await run('user', 'list', '--tenant', 'acme'))).to.have.length(2);
    const removed = await run('user', 'remove', 'alice', '--yes', '--tenant', 'acme');
    expect(removed.code, removed.stderr).to.equal(0);
    expect(removed.stdout).to.match(/^removed user alice/);
    expect(lines(await run('user', 'list', '--tenant', 'acme'))).to.have.length(1);
    const event = JSON.parse((await run('event', 'show', String(first), '--json', '--tenant', 'acme')).stdout) as { status: string; assignee: string | null; activity: Array<{ action: string }> };
    expect(event).to.deep.include({ status: 'open', assignee: null });
    expect(event.activity.map((a) => a.action)).to.deep.equal(['assigned', 'unassigned']);
    expect((JSON.parse((await run('group', 'list', '--json', '--tenant', 'acme')).stdout) as Array<{ members: string[] }>)[0]!.members).to.deep.equal([]);
  });

  it('tenant remove counts what goes, removes it all only with --yes, and leaves other tenants alone', async () => {
    expect((await run('tenant', 'add', 'globex', '--address', 'alerts@globex.test')).code).to.equal(0);
    expect((await run('import', MBOX, '--tenant', 'globex')).code).to.equal(0);
    const asked = await run('tenant', 'remove', 'acme');
    expect(asked.code).to.equal(1);
    expect(asked.stdout).to.match(/^would remove tenant acme with .*\b3 events\b.*\b1 users\b.*\b3 messages\b.*\b1 mailboxes\n$/);
    expect(asked.stderr).to.equal('datamer: nothing removed; run again with --yes to remove tenant acme and all of the above\n');
    expect((await run('tenant', 'remove', 'acme', '--yes')).stdout).to.match(/^removed tenant acme with /);
    const db = await openDb(database.url);
    try {
      for (const model of ['Message', 'Event', 'EventMessage', 'User', 'Mailbox'] as const) {
        expect(await (db.models[model] as unknown as { count(o: object): Promise<number> }).count({ where: {} }), model).to.equal(model === 'User' ? 0 : model === 'Mailbox' ? 1 : 3);
      }
    } finally {
      await db.close();
    }
    expect((await run('tenant', 'list', '--json')).stdout).to.not.contain('"acme"');
    expect(await ids().catch(() => null)).to.equal(null);
    expect((await run('event', 'list', '--tenant', 'globex')).code).to.equal(0);
  });

  it('rule delete, rule edit and rule move change the rules through the rule store', async () => {
    for (const name of ['first', 'second', 'third']) expect((await run('rule', 'add', name, '--subject', name, '--org', `ops.${name}`, '--tenant', 'acme')).code).to.equal(0);
    const order = async () => (JSON.parse((await run('rule', 'list', '--json', '--tenant', 'acme')).stdout) as Array<{ name: string; position: number; conditions: unknown; actions: unknown; continue: boolean }>);
    expect((await run('rule', 'move', 'third', '--first', '--tenant', 'acme')).code).to.equal(0);
    expect((await order()).map((r) => [r.name, r.position])).to.deep.equal([['third', 10], ['first', 20], ['second', 30]]);
    expect((await run('rule', 'move', 'third', '--after', 'second', '--tenant', 'acme')).code).to.equal(0);
    expect((await order()).map((r) => r.name)).to.deep.equal(['first', 'second', 'third']);
    expect((await run('rule', 'move', 'first', '--before', 'third', '--tenant', 'acme')).code).to.equal(0);
    expect((await order()).map((r) => r.name)).to.deep.equal(['second', 'first', 'third']);
    expect((await run('rule', 'move', 'first', '--tenant', 'acme')).stderr).to.equal('datamer: say where: one of --before <rule>, --after <rule>, --first, --last\n');

    expect((await run('rule', 'edit', 'second', '--org', 'ops.other', '--continue', '--rename', 'other', '--tenant', 'acme')).stdout).to.match(/^rule \d+ "other" changed\n/);
    const edited = (await order()).find((r) => r.name === 'other')!;
    expect(edited).to.deep.include({ continue: true });
    expect(edited.actions).to.deep.equal({ org: 'ops.other' });
    expect(edited.conditions).to.deep.equal([{ field: 'subject', pattern: 'second' }]);
    const broken = await run('rule', 'edit', 'other', '--subject', 'disk (full', '--tenant', 'acme');
    expect(broken.stderr).to.equal('datamer: rule "other" cannot be saved: /disk (full/ is not a valid expression: missing ): disk (full\n');
    expect((await order()).find((r) => r.name === 'other')!.conditions).to.deep.equal([{ field: 'subject', pattern: 'second' }]);

    expect((await run('rule', 'delete', 'other', '--tenant', 'acme')).stdout).to.match(/^rule \d+ "other" deleted\n/);
    expect((await order()).map((r) => r.name)).to.deep.equal(['first', 'third']);
    expect((await run('rule', 'delete', 'other', '--tenant', 'acme')).stderr).to.equal('datamer: no rule "other" (see: datamer rule list)\n');
  });
});
