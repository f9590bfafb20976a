// What every outbox test stands on: a fresh migrated database with a tenant, a real SMTP sink
// that plays the operator's outgoing mail server, and nodemailer pointed at it.
import nodemailer from 'nodemailer';
import { enqueueMail, type MailTransport, type OutgoingMail } from '../../../src/notifications/outbox.js';
import type { Deps } from '../../../src/deps.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import type { OutboxAttempt, OutboxMail } from '../../../models/index.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';

export interface OutboxWorld extends TestDb {
  sink: SmtpSink;
  transport: MailTransport & { close(): void };
  tenantId: number;
  close(): Promise<void>;
}

/** nodemailer as DaTamer's delivery job uses it, on plain SMTP to a loopback port. */
export function transportTo(port: number): MailTransport & { close(): void } {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

export async function openOutboxWorld(): Promise<OutboxWorld> {
  const testDb = await openTestDb();
  const sink = await startSmtpSink();
  const transport = transportTo(sink.port);
  const { tenant } = await addTenant(testDb.deps, { name: 'ops', address: 'ops@datamer.test' });
  return {
    ...testDb,
    sink,
    transport,
    tenantId: tenant.id,
    close: async () => {
      transport.close();
      await sink.close();
      await testDb.dispose();
    },
  };
}

/** An event alert as DaTamer would queue it for a responder. */
export function eventAlert(tenantId: number, n = 1, overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    tenantId,
    kind: 'event-alert',
    from: 'datamer@datamer.test',
    to: [`oncall-${n}@example.test`],
    subject: `[DaTamer] backup-db-${n} FAILED`,
    text: `The nightly backup of db-${n} reported FAILED at 02:14.\nSee the event in DaTamer.`,
    html: `<p>The nightly backup of <b>db-${n}</b> reported FAILED at 02:14.</p>`,
    ...overrides,
  };
}

export async function queueAlerts(deps: Deps, tenantId: number, count: number): Promise<OutboxMail[]> {
  const rows: OutboxMail[] = [];
  for (let n = 1; n <= count; n++) rows.push(await enqueueMail(deps, eventAlert(tenantId, n)));
  return rows;
}

export async function reload(deps: Deps, row: OutboxMail): Promise<OutboxMail> {
  const fresh = await deps.db.models.OutboxMail.findByPk(row.id);
  if (!fresh) throw new Error(`outbox row ${row.id} vanished`);
  return fresh;
}

export async function attemptsOf(deps: Deps, row: OutboxMail): Promise<OutboxAttempt[]> {
  return deps.db.models.OutboxAttempt.findAll({ where: { outboxId: row.id }, order: [['id', 'ASC']] });
}
