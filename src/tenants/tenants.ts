// Tenants and DaTamer's own addresses for them.
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Mailbox, Tenant } from '../../models/index.js';
import { addTriageGroup } from '../people/people.js';
import { baseAddress, normalizeAddress } from '../reply-address.js';

const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// Deliberately simple: the SMTP layer has already parsed the address; this only refuses nonsense.
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

export { normalizeAddress };

export interface NewTenant {
  name: string;
  displayName?: string;
  /** DaTamer's own address for this tenant: the SMTP listener accepts mail for it */
  address: string;
}

export async function addTenant(deps: Deps, input: NewTenant): Promise<{ tenant: Tenant; mailbox: Mailbox }> {
  if (!TENANT_NAME.test(input.name)) {
    throw new DatamerError('INPUT_INVALID', `tenant name "${input.name}": use lower-case letters, digits, - and _ (at most 64)`);
  }
  const address = normalizeAddress(input.address);
  if (!ADDRESS.test(address)) throw new DatamerError('INPUT_INVALID', `"${input.address}" is not an email address`);
  const { Tenant, Mailbox } = deps.db.models;
  const taken = () => new DatamerError('ADDRESS_TAKEN', `the address ${address} already belongs to a tenant`);
  const named = () => new DatamerError('CONFLICT', `a tenant named "${input.name}" already exists`);
  try {
    return await deps.db.transaction(async (transaction) => {
      // Asked first for a precise message; the unique indexes still decide a race.
      if (await Mailbox.findOne({ where: { kind: 'smtp', address }, transaction })) throw taken();
      if (await Tenant.findOne({ where: { name: input.name }, transaction })) throw named();
      const now = deps.clock.now();
      const tenant = await Tenant.create({ name: input.name, displayName: input.displayName ?? input.name, createdAt: now }, { transaction });
      const mailbox = await Mailbox.create({ tenantId: tenant.id, kind: 'smtp', address, mode: 'ingest', createdAt: now }, { transaction });
      // Where unclassified events and alerts nobody subscribes to go (docs/notifications.md).
      await addTriageGroup(deps, tenant.id, transaction);
      return { tenant, mailbox };
    });
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw /address/.test(JSON.stringify(err.fields ?? {}) + err.message) ? taken() : named();
    throw err;
  }
}

export async function listTenants(deps: Deps): Promise<Array<{ tenant: Tenant; addresses: string[] }>> {
  const { Tenant, Mailbox } = deps.db.models;
  const tenants = await Tenant.findAll({ order: [['id', 'ASC']] });
  const mailboxes = await Mailbox.findAll({ where: { kind: 'smtp' }, order: [['id', 'ASC']] });
  return tenants.map((tenant) => ({
    tenant,
    addresses: mailboxes.filter((m) => m.tenantId === tenant.id).map((m) => m.address),
  }));
}

export async function findTenant(deps: Deps, name: string): Promise<Tenant> {
  const tenant = await deps.db.models.Tenant.findOne({ where: { name } });
  if (!tenant) throw new DatamerError('TENANT_NOT_FOUND', `no tenant named "${name}" (see: datamer tenant list)`);
  return tenant;
}

/**
 * The mailbox an SMTP recipient belongs to, or null: the listener refuses everything else.
 * `ops+anything@…` belongs to `ops@…`: replies come back to such addresses (src/reply-address.ts).
 */
export async function findSmtpMailbox(deps: Deps, address: string): Promise<Mailbox | null> {
  return deps.db.models.Mailbox.findOne({ where: { kind: 'smtp', address: baseAddress(normalizeAddress(address)) } });
}

/**
 * `postmaster@<domain>` where a tenant has a DaTamer address at that domain: RFC 5321 §4.5.1 says
 * a server must take mail for postmaster of every domain it accepts mail for. It goes to the
 * tenant whose address at that domain is the oldest.
 */
export async function findPostmasterMailbox(deps: Deps, address: string): Promise<Mailbox | null> {
  const normalized = normalizeAddress(address);
  const at = normalized.lastIndexOf('@');
  if (at < 0 || normalized.slice(0, at) !== 'postmaster') return null;
  const domain = normalized.slice(at);
  // LIKE narrows; the exact comparison decides (a domain may hold LIKE's own wildcards).
  const candidates = await deps.db.models.Mailbox.findAll({ where: { kind: 'smtp', address: { [Op.like]: `%${domain}` } }, order: [['id', 'ASC']] });
  return candidates.find((m) => m.address.endsWith(domain)) ?? null;
}

export async function smtpMailboxOf(deps: Deps, tenantId: number, transaction?: Transaction): Promise<Mailbox | null> {
  return deps.db.models.Mailbox.findOne({ where: { tenantId, kind: 'smtp' }, order: [['id', 'ASC']], transaction });
}

/** Where DaTamer's mail to a tenant's users comes from when the tenant has no address of its own. */
export const FALLBACK_SENDER = 'datamer@localhost';

/** The address DaTamer's mail to the tenant's users comes from: its first own address. */
export async function senderAddressOf(deps: Deps, tenantId: number, transaction?: Transaction): Promise<string> {
  return (await smtpMailboxOf(deps, tenantId, transaction))?.address ?? FALLBACK_SENDER;
}

/** DaTamer's own addresses for one tenant (its smtp mailboxes), oldest first. */
export async function ownAddressesOf(deps: Deps, tenantId: number): Promise<string[]> {
  const mailboxes = await deps.db.models.Mailbox.findAll({ where: { tenantId, kind: 'smtp' }, attributes: ['address'], order: [['id', 'ASC']] });
  return mailboxes.map((m) => m.address);
}

export const DEFAULT_TENANT = { name: 'default', address: 'datamer@localhost' } as const;

/** On a fresh database, `npm start` makes a tenant so mail can be sent at once. */
export async function ensureDefaultTenant(deps: Deps): Promise<{ created: boolean; tenants: Awaited<ReturnType<typeof listTenants>> }> {
  const count = await deps.db.models.Tenant.count();
  if (count === 0) {
    try {
      await addTenant(deps, { name: DEFAULT_TENANT.name, displayName: 'Default', address: DEFAULT_TENANT.address });
    } catch (err) {
      // Another DaTamer process sharing the database made it first: that is fine.
      if (!(err instanceof DatamerError && (err.code === 'CONFLICT' || err.code === 'ADDRESS_TAKEN'))) throw err;
    }
  }
  return { created: count === 0, tenants: await listTenants(deps) };
}
