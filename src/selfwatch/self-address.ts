// Where DaTamer mails its own MSEs for a tenant: `datamer tenant self-address <tenant> <address|none>`.
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import { findTenant, normalizeAddress } from '../tenants/tenants.js';
import type { Tenant } from '../../models/index.js';

// The same deliberately simple check as a tenant's own address: refuse nonsense, nothing more.
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

export interface SelfAddressChange {
  tenant: Tenant;
  /** null: DaTamer no longer watches itself for this tenant */
  address: string | null;
  /** true when the address is one of the tenant's own DaTamer addresses (the usual setup) */
  ownAddress: boolean;
  /** the tenant's DaTamer addresses, for the note when the address is elsewhere */
  addresses: string[];
}

export async function setSelfAddress(deps: Deps, tenantName: string, value: string): Promise<SelfAddressChange> {
  const tenant = await findTenant(deps, tenantName);
  const mailboxes = await deps.db.models.Mailbox.findAll({ where: { kind: 'smtp' }, order: [['id', 'ASC']] });
  const addresses = mailboxes.filter((m) => m.tenantId === tenant.id).map((m) => m.address);
  if (value.trim().toLowerCase() === 'none') {
    await tenant.update({ selfAddress: null });
    return { tenant, address: null, ownAddress: false, addresses };
  }
  const address = normalizeAddress(value);
  if (!ADDRESS.test(address)) throw new DatamerError('INPUT_INVALID', `"${value}" is not an email address (or "none" to stop)`);
  // DaTamer's own MSEs about one tenant must never land in another tenant's store.
  const other = mailboxes.find((m) => m.address === address && m.tenantId !== tenant.id);
  if (other) {
    const owner = await deps.db.models.Tenant.findByPk(other.tenantId);
    throw new DatamerError('INPUT_INVALID', `${address} is an address of tenant ${owner?.name ?? other.tenantId}; use one of ${tenant.name}'s: ${addresses.join(', ')}`);
  }
  await tenant.update({ selfAddress: address });
  return { tenant, address, ownAddress: addresses.includes(address), addresses };
}
