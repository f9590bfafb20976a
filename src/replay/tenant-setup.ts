// `datamer replay --with-tenant T` answers "what would *our* setup have done with this mail?":
// the replay database gets tenant T's setup from the configured database, which is only read.
// Copied as they are (the modules that own these tables checked them when they were written):
// its users, groups, memberships and subscriptions (who responds to what, so who would have been
// told), its rules with their ids (so `rule:<id>` in the output names the tenant's own rule) and
// rules revision, its maintenance windows, and its streams' settings (label, missing severity,
// grace, muted), which are applied to the streams the replayed mail makes, when it makes them.
// Nothing else is copied: no messages, events, tokens or mailboxes.
import { Op } from 'sequelize';
import type { Db } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Group, MaintenanceWindow, Membership, Rule, Subscription, User } from '../../models/index.js';

export interface StreamSettings {
  label: string | null;
  missingSeverity: string;
  graceMs: number | null;
  muted: boolean;
}

export interface TenantSetup {
  name: string;
  displayName: string;
  /** DaTamer's own address for the tenant (its first), so mail to it is the tenant's */
  address: string;
  rulesRevision: number;
  users: User[];
  groups: Group[];
  memberships: Membership[];
  subscriptions: Subscription[];
  rules: Rule[];
  maintenance: MaintenanceWindow[];
  /** by stream key */
  streams: Map<string, StreamSettings>;
}

const plain = <T extends { get(options: { plain: true }): object }>(rows: T[]) => rows.map((r) => r.get({ plain: true }) as T);

/** Reads tenant `name`'s setup: SELECTs only. */
export async function readTenantSetup(db: Db, name: string): Promise<TenantSetup> {
  const { Tenant, Mailbox, User, Group, Membership, Subscription, Rule, MaintenanceWindow, Stream } = db.models;
  const tenant = await Tenant.findOne({ where: { name } });
  if (!tenant) throw new DatamerError('NOT_FOUND', `no tenant named "${name}" in the configured database (see: datamer tenant list)`);
  const where = { tenantId: tenant.id };
  const [own, users, groups, memberships, subscriptions, rules, maintenance, streams] = await Promise.all([
    Mailbox.findOne({ where: { ...where, kind: 'smtp' }, order: [['id', 'ASC']] }),
    User.findAll({ where, order: [['id', 'ASC']] }),
    Group.findAll({ where, order: [['id', 'ASC']] }),
    Membership.findAll({ where, order: [['id', 'ASC']] }),
    Subscription.findAll({ where, order: [['id', 'ASC']] }),
    Rule.findAll({ where, order: [['id', 'ASC']] }),
    MaintenanceWindow.findAll({ where, order: [['id', 'ASC']] }),
    Stream.findAll({ where, attributes: ['key', 'label', 'missingSeverity', 'graceMs', 'muted'] }),
  ]);
  return {
    name: tenant.name,
    displayName: tenant.displayName,
    address: own?.address ?? `${tenant.name}@replay.invalid`,
    rulesRevision: tenant.rulesRevision,
    users: plain(users),
    groups: plain(groups),
    memberships: plain(memberships),
    subscriptions: plain(subscriptions),
    rules: plain(rules),
    maintenance: plain(maintenance),
    streams: new Map(streams.map((s) => [s.key, { label: s.label, missingSeverity: s.missingSeverity, graceMs: s.graceMs, muted: s.muted }])),
  };
}

/** Puts the setup into the replay database, for the replay tenant `tenantId`. */
export async function installTenantSetup(deps: Deps, tenantId: number, setup: TenantSetup): Promise<void> {
  const { Tenant, User, Group, Membership, Subscription, Rule, MaintenanceWindow } = deps.db.models;
  const ours = <T extends object>(rows: T[]) => rows.map((r) => ({ ...r, tenantId }));
  await deps.db.transaction(async (transaction) => {
    // Tokens stay where they are: a replay answers no commands.
    await User.bulkCreate(ours(setup.users).map((u) => ({ ...u, commandToken: null })), { transaction });
    // The tenant's own groups, its triage group among them, in place of the one the replay tenant was made with.
    await Group.destroy({ where: { tenantId }, transaction });
    await Group.bulkCreate(ours(setup.groups), { transaction });
    await Membership.bulkCreate(ours(setup.memberships), { transaction });
    await Subscription.bulkCreate(ours(setup.subscriptions), { transaction });
    await Rule.bulkCreate(ours(setup.rules), { transaction });
    await MaintenanceWindow.bulkCreate(ours(setup.maintenance), { transaction });
    await Tenant.update({ rulesRevision: setup.rulesRevision }, { where: { id: tenantId }, transaction });
  });
}

/**
 * Gives streams the replay made the settings the tenant gave them, once each: a stream is born
 * from replayed mail (so one the tenant has but the replayed mail never feeds raises nothing),
 * then configured as the tenant configured it.
 */
export async function applyStreamSettings(deps: Deps, tenantId: number, settings: Map<string, StreamSettings>, applied: Set<string>): Promise<void> {
  const pending = [...settings.keys()].filter((key) => !applied.has(key));
  if (pending.length === 0) return;
  const made = await deps.db.models.Stream.findAll({ where: { tenantId, key: { [Op.in]: pending } }, attributes: ['id', 'key'] });
  for (const stream of made) {
    await deps.db.models.Stream.update(settings.get(stream.key)!, { where: { tenantId, id: stream.id } });
    applied.add(stream.key);
  }
}
