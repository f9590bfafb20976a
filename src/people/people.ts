// Users, groups, memberships and subscriptions of one tenant. Every function takes the
// tenant first: there is no way to ask for another tenant's people by accident.
import { UniqueConstraintError, type Transaction } from 'sequelize';
import { within } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import { isOrgPattern } from '../org-paths.js';
import { audienceOf, type Audience } from './audience.js';
import type { Group, InterestLevel, Subscription, User, UserRole } from '../../models/index.js';
import { normalizeAddress } from '../reply-address.js';

const HANDLE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

async function unique<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new DatamerError('CONFLICT', `${what} already exists`);
    throw err;
  }
}

export async function addUser(deps: Deps, tenantId: number, input: { email: string; handle: string; displayName?: string }, transaction?: Transaction): Promise<User> {
  const handle = input.handle.toLowerCase();
  if (!HANDLE.test(handle)) {
    throw new DatamerError('INPUT_INVALID', `handle "${input.handle}": use lower-case letters, digits, . - and _ (it names the user's claim folders)`);
  }
  const email = normalizeAddress(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new DatamerError('INPUT_INVALID', `"${input.email}" is not an email address`);
  return unique(`a user with handle "${handle}" or email ${email}`, () =>
    deps.db.models.User.create({ tenantId, email, handle, displayName: input.displayName ?? handle, createdAt: deps.clock.now() }, { transaction }),
  );
}

export const ROLES: readonly UserRole[] = ['engineer', 'admin'];

/** What the user may change on the site (docs/web.md, Roles). */
export async function setRole(deps: Deps, tenantId: number, handle: string, role: string, transaction?: Transaction): Promise<User> {
  if (!(ROLES as readonly string[]).includes(role)) throw new DatamerError('INPUT_INVALID', `role "${role}": use engineer or admin`);
  const user = await findUser(deps, tenantId, handle, transaction);
  await deps.db.models.User.update({ role: role as UserRole }, { where: { tenantId, id: user.id }, transaction });
  return user.reload({ transaction });
}

export function listUsers(deps: Deps, tenantId: number): Promise<User[]> {
  return deps.db.models.User.findAll({ where: { tenantId }, order: [['handle', 'ASC']] });
}

/** A user's handle by their id, null when there is no such user (a link signed for a user since removed). */
export async function handleOf(deps: Deps, tenantId: number, userId: number): Promise<string | null> {
  return (await deps.db.models.User.findOne({ where: { tenantId, id: userId }, attributes: ['handle'] }))?.handle ?? null;
}

export async function findUser(deps: Deps, tenantId: number, handle: string, transaction?: Transaction): Promise<User> {
  const user = await deps.db.models.User.findOne({ where: { tenantId, handle: handle.toLowerCase() }, transaction });
  if (!user) throw new DatamerError('NOT_FOUND', `no user with handle "${handle}"`);
  return user;
}

export async function addGroup(deps: Deps, tenantId: number, name: string, transaction?: Transaction): Promise<Group> {
  if (!/^\S.{0,99}$/.test(name)) throw new DatamerError('INPUT_INVALID', `group name "${name}" must be 1 to 100 characters`);
  return unique(`a group named "${name}"`, () => deps.db.models.Group.create({ tenantId, name, createdAt: deps.clock.now() }, { transaction }));
}

/** The group that looks at what nobody subscribes to: unclassified events, alerts of orgs without responders. */
export const TRIAGE_GROUP = 'triage';

/** Every tenant gets its triage group when it is made (src/tenants/tenants.ts). */
export async function addTriageGroup(deps: Deps, tenantId: number, transaction: Transaction): Promise<void> {
  await deps.db.models.Group.create({ tenantId, name: TRIAGE_GROUP, createdAt: deps.clock.now() }, { transaction });
}

export function listGroups(deps: Deps, tenantId: number): Promise<Group[]> {
  return deps.db.models.Group.findAll({ where: { tenantId }, order: [['name', 'ASC']] });
}

export async function findGroup(deps: Deps, tenantId: number, name: string, transaction?: Transaction): Promise<Group> {
  const group = await deps.db.models.Group.findOne({ where: { tenantId, name }, transaction });
  if (!group) throw new DatamerError('NOT_FOUND', `no group named "${name}"`);
  return group;
}

export async function joinGroup(deps: Deps, tenantId: number, groupName: string, handle: string, transaction?: Transaction): Promise<void> {
  const group = await findGroup(deps, tenantId, groupName, transaction);
  const user = await findUser(deps, tenantId, handle, transaction);
  await unique(`${handle} in group "${groupName}"`, () =>
    deps.db.models.Membership.create({ tenantId, groupId: group.id, userId: user.id, createdAt: deps.clock.now() }, { transaction }),
  );
}

export async function subscribe(deps: Deps, tenantId: number, groupName: string, orgPattern: string, level: InterestLevel, transaction?: Transaction): Promise<Subscription> {
  const pattern = orgPattern.toLowerCase();
  if (!isOrgPattern(pattern)) {
    throw new DatamerError('INPUT_INVALID', `org pattern "${orgPattern}": use a.b.c, a.b.* or * (segments of a-z 0-9 _ -)`);
  }
  if (level !== 'responder' && level !== 'interested') {
    throw new DatamerError('INPUT_INVALID', `level "${level}": use responder or interested`);
  }
  const group = await findGroup(deps, tenantId, groupName, transaction);
  return unique(`a subscription of "${groupName}" to ${pattern}`, () =>
    deps.db.models.Subscription.create({ tenantId, groupId: group.id, orgPattern: pattern, level, createdAt: deps.clock.now() }, { transaction }),
  );
}

/** The group a user subscribes through by email: their own, named after their handle (docs/commands.md). */
export const personalGroupName = (handle: string): string => `@${handle}`;

/** The user's own group, made (with them in it) the first time they subscribe by email. */
export async function personalGroup(deps: Deps, tenantId: number, handle: string, transaction?: Transaction): Promise<Group> {
  const user = await findUser(deps, tenantId, handle, transaction);
  const name = personalGroupName(user.handle);
  const [group] = await deps.db.models.Group.findOrCreate({ where: { tenantId, name }, defaults: { tenantId, name, createdAt: deps.clock.now() }, transaction });
  await deps.db.models.Membership.findOrCreate({
    where: { tenantId, groupId: group.id, userId: user.id },
    defaults: { tenantId, groupId: group.id, userId: user.id, createdAt: deps.clock.now() },
    transaction,
  });
  return group;
}

/** A group's subscription to `orgPattern` at `level`: added, or its level changed when it has one. */
export async function setSubscription(deps: Deps, tenantId: number, groupName: string, orgPattern: string, level: InterestLevel, transaction?: Transaction): Promise<Subscription> {
  const group = await findGroup(deps, tenantId, groupName, transaction);
  const existing = await deps.db.models.Subscription.findOne({ where: { tenantId, groupId: group.id, orgPattern: orgPattern.toLowerCase() }, transaction });
  if (!existing) return subscribe(deps, tenantId, groupName, orgPattern, level, transaction);
  if (level !== 'responder' && level !== 'interested') throw new DatamerError('INPUT_INVALID', `level "${level}": use responder or interested`);
  return existing.update({ level }, { transaction });
}

/** Who responds to, and who is interested in, events of `org` in this tenant. */
export async function audienceFor(deps: Deps, tenantId: number, org: string): Promise<Audience> {
  const [subscriptions, memberships] = await Promise.all([
    deps.db.models.Subscription.findAll({ where: { tenantId } }),
    deps.db.models.Membership.findAll({ where: { tenantId } }),
  ]);
  return audienceOf(org, subscriptions, memberships);
}

export interface GroupView {
  name: string;
  members: string[];
  subscriptions: Array<{ orgPattern: string; level: InterestLevel }>;
}

/** The groups with their members' handles and their subscriptions, by name. */
export async function groupViews(deps: Deps, tenantId: number): Promise<GroupView[]> {
  const { Membership, Subscription, User } = deps.db.models;
  const [groups, memberships, subscriptions, users] = await Promise.all([
    listGroups(deps, tenantId),
    Membership.findAll({ where: { tenantId } }),
    Subscription.findAll({ where: { tenantId }, order: [['orgPattern', 'ASC']] }),
    User.findAll({ where: { tenantId }, attributes: ['id', 'handle'] }),
  ]);
  const handleOf = new Map(users.map((u) => [u.id, u.handle]));
  return groups.map((g) => ({
    name: g.name,
    members: memberships.filter((m) => m.groupId === g.id).map((m) => handleOf.get(m.userId) ?? `#${m.userId}`).sort(),
    subscriptions: subscriptions.filter((s) => s.groupId === g.id).map((s) => ({ orgPattern: s.orgPattern, level: s.level })),
  }));
}

export async function leaveGroup(deps: Deps, tenantId: number, groupName: string, handle: string, transaction?: Transaction): Promise<void> {
  const group = await findGroup(deps, tenantId, groupName, transaction);
  const user = await findUser(deps, tenantId, handle, transaction);
  const removed = await deps.db.models.Membership.destroy({ where: { tenantId, groupId: group.id, userId: user.id }, transaction });
  if (removed === 0) throw new DatamerError('NOT_FOUND', `${user.handle} is not in group "${group.name}"`);
}

export async function unsubscribe(deps: Deps, tenantId: number, groupName: string, orgPattern: string, transaction?: Transaction): Promise<void> {
  const group = await findGroup(deps, tenantId, groupName, transaction);
  const removed = await deps.db.models.Subscription.destroy({ where: { tenantId, groupId: group.id, orgPattern: orgPattern.toLowerCase() }, transaction });
  if (removed === 0) throw new DatamerError('NOT_FOUND', `group "${group.name}" has no subscription to ${orgPattern} (see: datamer subscription list)`);
}

/** What removing a user takes with them. */
export interface UserRemoval {
  user: User;
  memberships: number;
  /** events assigned to them and not completed: they go back to the pile, open */
  assignedEvents: number[];
}

export async function userRemoval(deps: Deps, tenantId: number, handle: string, transaction?: Transaction): Promise<UserRemoval> {
  const user = await findUser(deps, tenantId, handle, transaction);
  const { Membership, Event } = deps.db.models;
  const memberships = await Membership.count({ where: { tenantId, userId: user.id }, transaction });
  const assigned = await Event.findAll({ where: { tenantId, assigneeId: user.id, status: 'assigned' }, attributes: ['id'], order: [['id', 'ASC']], transaction });
  return { user, memberships, assignedEvents: assigned.map((e) => e.id) };
}

/**
 * Removes a user: their memberships and their token go with them; what they did stays in the
 * activity log under their handle. `unassign` gives their open events back (src/events/change.ts,
 * the events' only writer), before the user row goes, in the same transaction.
 */
export async function removeUser(
  deps: Deps, tenantId: number, handle: string, unassign: (eventId: number, transaction: Transaction) => Promise<void>, outer?: Transaction,
): Promise<UserRemoval> {
  return within(deps.db, outer, async (transaction) => {
    const removal = await userRemoval(deps, tenantId, handle, transaction);
    for (const id of removal.assignedEvents) await unassign(id, transaction);
    await deps.db.models.Membership.destroy({ where: { tenantId, userId: removal.user.id }, transaction });
    await deps.db.models.User.destroy({ where: { tenantId, id: removal.user.id }, transaction });
    return removal;
  });
}
