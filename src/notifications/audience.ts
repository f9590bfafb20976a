// WHO MUST KNOW about an event of org X: pure, so the wildcard semantics of product.md §7
// are pinned down by a table of cases.
//
//   `a.b.c`  exactly that org
//   `a.b.*`  a.b itself and everything below it (a.b.c, a.b.c.d), not a.bc
//   `*`      every org
//
// `interested` includes everything a `responder` gets.

import type { InterestLevel } from '../../models/index.js';

const SEGMENT = '[a-z0-9_-]+';
const PATTERN = new RegExp(`^(\\*|${SEGMENT}(\\.${SEGMENT})*(\\.\\*)?)$`);

export function isOrgPattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}

export function orgMatches(pattern: string, org: string): boolean {
  const p = pattern.toLowerCase();
  const o = org.toLowerCase();
  if (p === '*') return true;
  if (p.endsWith('.*')) {
    const base = p.slice(0, -2);
    return o === base || o.startsWith(`${base}.`);
  }
  return o === p;
}

export interface SubscriptionFact {
  groupId: number;
  orgPattern: string;
  level: InterestLevel;
}

export interface MembershipFact {
  groupId: number;
  userId: number;
}

export interface Audience {
  /** users who respond to events of the org */
  responders: number[];
  /** users who see them in digests and lists: the responders and those merely interested */
  interested: number[];
}

export function audienceOf(org: string, subscriptions: SubscriptionFact[], memberships: MembershipFact[]): Audience {
  const responderGroups = new Set<number>();
  const interestedGroups = new Set<number>();
  for (const s of subscriptions) {
    if (!orgMatches(s.orgPattern, org)) continue;
    interestedGroups.add(s.groupId);
    if (s.level === 'responder') responderGroups.add(s.groupId);
  }
  const usersOf = (groups: Set<number>) =>
    [...new Set(memberships.filter((m) => groups.has(m.groupId)).map((m) => m.userId))].sort((a, b) => a - b);
  return { responders: usersOf(responderGroups), interested: usersOf(interestedGroups) };
}
