// WHO RESPONDS to an event of org X, and who is interested in it: pure, so the subscription
// semantics of docs/commands.md (SUBSCRIBE) are pinned down by a table of cases. Patterns match
// as src/org-paths.ts says; `interested` includes everything a `responder` gets.

import type { InterestLevel } from '../../models/index.js';
import { orgMatches } from '../org-paths.js';

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
