// Provider mailboxes as the database keeps them: their settings, their encrypted credentials,
// their health (the last error, shown to the admin), and the lease that lets one process at a
// time work a mailbox.
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import { within } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Mailbox, MailboxMode } from '../../models/index.js';
import { providerOf, providers, type NewProviderMailbox, type Provider, type ProviderKind } from './registry.js';
import { decryptSecret, encryptSecret } from './secrets.js';

export const MAILBOX_MODES: MailboxMode[] = ['organize', 'ingest'];

export interface NewMailbox extends NewProviderMailbox {
  kind: ProviderKind;
  mode: MailboxMode;
}

/**
 * Adds a provider mailbox. The same account (however its address is written) is refused, even
 * for another tenant: two watchers would file the same mail (docs/mailbox.md).
 */
export async function addMailbox(deps: Deps, tenantId: number, input: NewMailbox, key: Buffer, transaction?: Transaction): Promise<Mailbox> {
  const { address, account } = await checkNewMailbox(deps, input, transaction);
  try {
    return await deps.db.models.Mailbox.create({
      tenantId,
      kind: input.kind,
      address,
      account,
      mode: input.mode,
      settings: { ...input.settings },
      secret: encryptSecret(key, input.secret),
      createdAt: deps.clock.now(),
    }, { transaction });
  } catch (err) {
    // Added by someone else since the look above. Not looked up again: in the caller's
    // transaction PostgreSQL answers nothing more after a failed statement.
    if (err instanceof UniqueConstraintError) throw new DatamerError('CONFLICT', `${address} is already a mailbox of a tenant: one mailbox is watched once`);
    throw err;
  }
}

/**
 * What addMailbox refuses, asked before it: the shells ask this before they log in to check the
 * credential (outside any transaction, as a login can take seconds), then add it.
 */
export async function checkNewMailbox(deps: Deps, input: NewMailbox, transaction?: Transaction): Promise<{ address: string; account: string }> {
  if (!MAILBOX_MODES.includes(input.mode)) throw new DatamerError('INPUT_INVALID', `mode "${input.mode}": use organize or ingest`);
  if (!input.secret) throw new DatamerError('INPUT_INVALID', 'the secret is empty');
  const provider = providerOf(input.kind);
  const address = provider.describe(input.settings);
  const account = provider.account(input.settings);
  const taken = await deps.db.models.Mailbox.findOne({ where: { account }, transaction });
  if (taken) throw alreadyThere(address, taken);
  return { address, account };
}

function alreadyThere(address: string, taken: Mailbox): DatamerError {
  // The other tenant is not named: a tenant's admin learns nothing about another tenant.
  const as = taken.address === address ? '' : ` (as ${taken.address})`;
  return new DatamerError('CONFLICT', `${address} is already a mailbox of a tenant${as}: one mailbox is watched once`);
}

export function listMailboxes(deps: Deps, tenantId: number): Promise<Mailbox[]> {
  return deps.db.models.Mailbox.findAll({ where: { tenantId }, order: [['id', 'ASC']] });
}

/** Every mailbox a provider watches, of every tenant: what `npm start` works on. */
export function providerMailboxes(deps: Deps): Promise<Mailbox[]> {
  return deps.db.models.Mailbox.findAll({ where: { kind: providers().map((p) => p.kind) }, order: [['id', 'ASC']] });
}

/** A mailbox of the tenant by id or by its address (as `datamer mailbox list` shows it). */
export async function findMailbox(deps: Deps, tenantId: number, ref: string, transaction?: Transaction): Promise<Mailbox> {
  const where = /^\d+$/.test(ref) ? { tenantId, id: Number(ref) } : { tenantId, address: ref };
  const mailbox = await deps.db.models.Mailbox.findOne({ where, transaction });
  if (!mailbox) throw new DatamerError('NOT_FOUND', `no mailbox "${ref}" (see: datamer mailbox list)`);
  return mailbox;
}

/** The tenant's only provider mailbox, when the admin did not name one. */
export async function soleProviderMailbox(deps: Deps, tenantId: number): Promise<Mailbox> {
  const mailboxes = (await listMailboxes(deps, tenantId)).filter((m) => m.kind !== 'smtp');
  if (mailboxes.length === 1) return mailboxes[0]!;
  if (mailboxes.length === 0) throw new DatamerError('NOT_FOUND', 'the tenant has no shared mailbox (add one with: datamer mailbox add)');
  throw new DatamerError('INPUT_INVALID', `the tenant has ${mailboxes.length} mailboxes: say which with --mailbox (see: datamer mailbox list)`);
}

/** The provider of a mailbox DaTamer works in (not DaTamer's own address). */
export function providerFor(mailbox: Mailbox): Provider {
  return providerOf(mailbox.kind);
}

/** The mailbox's credential (password, client secret, key), decrypted. */
export function secretOf(mailbox: Mailbox, key: Buffer): string {
  if (!mailbox.secret) throw new DatamerError('MAILBOX_AUTH', `${mailbox.address}: no credential stored (set one with: datamer mailbox password)`, { permanent: true });
  return decryptSecret(key, mailbox.secret);
}

export async function setMailboxSecret(deps: Deps, mailbox: Mailbox, secret: string, key: Buffer, transaction?: Transaction): Promise<void> {
  if (!secret) throw new DatamerError('INPUT_INVALID', 'the file is empty');
  await deps.db.models.Mailbox.update({ secret: encryptSecret(key, secret), lastError: null, lastErrorAt: null }, { where: { id: mailbox.id, tenantId: mailbox.tenantId }, transaction });
}

export async function removeMailbox(deps: Deps, mailbox: Mailbox, transaction?: Transaction): Promise<void> {
  await deps.db.models.Mailbox.destroy({ where: { id: mailbox.id, tenantId: mailbox.tenantId }, transaction });
}

/** What the admin sees in `datamer mailbox list` until the next good pass clears it. */
export async function recordMailboxError(deps: Deps, mailbox: Mailbox, message: string): Promise<void> {
  await deps.db.models.Mailbox.update({ lastError: message, lastErrorAt: deps.clock.now() }, { where: { id: mailbox.id, tenantId: mailbox.tenantId } });
}

export async function recordMailboxSynced(deps: Deps, mailbox: Mailbox): Promise<void> {
  await deps.db.models.Mailbox.update({ lastError: null, lastErrorAt: null, lastSyncedAt: deps.clock.now() }, { where: { id: mailbox.id, tenantId: mailbox.tenantId } });
}

/**
 * Takes or renews the lease on a mailbox for `owner`: a conditional update, so of several
 * processes only one works a mailbox, and a dead owner's lease simply runs out.
 */
export async function takeLease(deps: Deps, mailbox: Mailbox, owner: string, ttlMs: number): Promise<boolean> {
  const now = deps.clock.now();
  const [taken] = await deps.db.models.Mailbox.update(
    { leaseOwner: owner, leaseUntil: new Date(now.getTime() + ttlMs) },
    {
      where: {
        id: mailbox.id,
        tenantId: mailbox.tenantId,
        [Op.or]: [{ leaseOwner: owner }, { leaseOwner: null }, { leaseUntil: null }, { leaseUntil: { [Op.lt]: now } }],
      },
    },
  );
  return taken === 1;
}

export async function releaseLease(deps: Deps, mailbox: Mailbox, owner: string): Promise<void> {
  await deps.db.models.Mailbox.update({ leaseOwner: null, leaseUntil: null }, { where: { id: mailbox.id, tenantId: mailbox.tenantId, leaseOwner: owner } });
}

/**
 * DaTamer's own mail for the tenant goes out through this mailbox's provider from now on (at
 * most one mailbox per tenant), or, with null, by the outgoing SMTP server again.
 */
export async function sendMailThrough(deps: Deps, tenantId: number, mailbox: Mailbox | null, outer?: Transaction): Promise<void> {
  if (mailbox && mailbox.tenantId !== tenantId) throw new DatamerError('NOT_FOUND', `no mailbox ${mailbox.id} in this tenant`);
  if (mailbox && (mailbox.kind === 'smtp' || providerFor(mailbox).sendsAs(mailbox.settings) === null)) {
    throw new DatamerError('INPUT_INVALID', `${mailbox.address} cannot send mail (IMAP has no send; only Microsoft 365 and Gmail mailboxes can): DaTamer's mail goes out by SMTP (DATAMER_OUTGOING_SMTP_URL)`);
  }
  await within(deps.db, outer, async (transaction) => {
    await deps.db.models.Mailbox.update({ sendsMail: false }, { where: { tenantId, sendsMail: true }, transaction });
    if (mailbox) await deps.db.models.Mailbox.update({ sendsMail: true }, { where: { tenantId, id: mailbox.id }, transaction });
  });
}

/** The mailboxes DaTamer's own mail goes out through, one per tenant at most. */
export async function sendingMailboxes(deps: Deps): Promise<Map<number, Mailbox>> {
  const rows = await deps.db.models.Mailbox.findAll({ where: { sendsMail: true }, order: [['id', 'ASC']] });
  const byTenant = new Map<number, Mailbox>();
  for (const row of rows) if (!byTenant.has(row.tenantId)) byTenant.set(row.tenantId, row);
  return byTenant;
}
