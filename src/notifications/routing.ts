// WHO MUST KNOW about an event (docs/notifications.md): the responders of its org (subscriptions,
// `a.b.*` patterns: src/people/audience.ts); an event without an org, or of an org nobody
// responds to, goes to the tenant's triage group. Of those, a user is alerted by mail only for
// the severities they chose (default warning and critical; info waits for the digest). An event
// of unknown severity alerts like a warning: nobody said it was harmless.
//
// Everything is read per tenant and kept for one notifier pass, so a burst of events costs a
// handful of queries, not a handful per event. There is no way to reach another tenant's users:
// every read names the tenant.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { User } from '../../models/index.js';
import { audienceOf, type MembershipFact, type SubscriptionFact } from '../people/audience.js';
import { TRIAGE_GROUP } from '../people/people.js';

export const severityOf = (severity: string | null): string => severity ?? 'warn';

export function alertsFor(user: Pick<User, 'alertSeverities'>, severity: string | null): boolean {
  return (user.alertSeverities ?? []).includes(severityOf(severity));
}

export interface Route {
  /** who must know, before their own severity choices */
  users: User[];
  /** true when they are the triage group (no responders) */
  triage: boolean;
}

interface TenantPeople {
  subscriptions: SubscriptionFact[];
  memberships: MembershipFact[];
  triageGroupId: number | null;
  users: Map<number, User>;
}

export class Router {
  private readonly tenants = new Map<number, TenantPeople>();

  constructor(private readonly deps: Deps) {}

  private async peopleOf(tenantId: number, transaction?: Transaction): Promise<TenantPeople> {
    let people = this.tenants.get(tenantId);
    if (!people) {
      const { Subscription, Membership, Group, User } = this.deps.db.models;
      // One after the other: a transaction is one connection, which runs one query at a time.
      const subscriptions = await Subscription.findAll({ where: { tenantId }, transaction });
      const memberships = await Membership.findAll({ where: { tenantId }, transaction });
      const triage = await Group.findOne({ where: { tenantId, name: TRIAGE_GROUP }, transaction });
      const users = await User.findAll({ where: { tenantId }, transaction });
      people = { subscriptions, memberships, triageGroupId: triage?.id ?? null, users: new Map(users.map((u) => [u.id, u])) };
      this.tenants.set(tenantId, people);
    }
    return people;
  }

  async user(tenantId: number, id: number, transaction?: Transaction): Promise<User | null> {
    return (await this.peopleOf(tenantId, transaction)).users.get(id) ?? null;
  }

  async userByHandle(tenantId: number, handle: string, transaction?: Transaction): Promise<User | null> {
    for (const u of (await this.peopleOf(tenantId, transaction)).users.values()) if (u.handle === handle) return u;
    return null;
  }

  /** The responders of the org, else the triage group's members. */
  async route(tenantId: number, org: string | null, transaction?: Transaction): Promise<Route> {
    const people = await this.peopleOf(tenantId, transaction);
    const pick = (ids: number[]) => ids.map((id) => people.users.get(id)).filter((u): u is User => u !== undefined);
    if (org !== null) {
      const responders = pick(audienceOf(org, people.subscriptions, people.memberships).responders);
      if (responders.length > 0) return { users: responders, triage: false };
    }
    const triage = people.triageGroupId === null ? [] : pick(people.memberships.filter((m) => m.groupId === people.triageGroupId).map((m) => m.userId));
    return { users: [...new Set(triage)].sort((a, b) => a.id - b.id), triage: true };
  }
}
