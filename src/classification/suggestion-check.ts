// Before a suggested rule is offered (label.ts), it is run on the labelled examples: the message
// the engineer just filed, and the messages filed by hand before it. A rule that would not file
// its own example where the engineer did, that would give a server that is not a host name, or
// that would file an earlier example somewhere the engineer did not, is not offered as it is.
// Pure: parsed messages and a draft in, what is wrong out.
import type { ParsedMessage } from '../ingest/parse.js';
import { classifyMessage } from './classifier.js';
import { factsOf } from './facts.js';
import { isHostName } from './host-name.js';
import type { RuleDraft } from './rule-store.js';
import { compileRules } from './rules.js';
import { parseTags } from './tags.js';

export type ExampleMessage = Pick<ParsedMessage, 'subject' | 'text' | 'html' | 'fromAddress' | 'headers'>;

export interface CheckedExample {
  message: ExampleMessage;
  /** the org the engineer filed it into */
  org: string;
  /** the org it had before (never a server name either) */
  previousOrg: string | null;
}

const DRAFT_ID = -1;

/** Why the draft does its examples wrong, or null when it does them right. */
export function suggestionProblem(draft: RuleDraft, own: CheckedExample, others: CheckedExample[]): string | null {
  const compiled = compileRules([
    { id: DRAFT_ID, name: draft.name, position: 0, enabled: true, conditions: draft.conditions, actions: draft.actions, continue: draft.continue ?? false, override: draft.override ?? false },
  ]);
  const mine = classifyMessage(own.message, compiled);
  if (!mine.matchedRuleIds.includes(DRAFT_ID)) return 'it does not match the message it was made from';
  if (mine.classification.org !== own.org) return `it files the message it was made from into ${mine.classification.org ?? 'no org'}, not ${own.org}`;
  // Servers the sender's own tags name are theirs to name; only what the rule adds is checked.
  const facts = factsOf(own.message, []);
  const told = new Set(parseTags(facts.subject, facts.body).servers);
  const orgs = new Set([own.org, own.previousOrg].filter((o): o is string => o !== null));
  for (const server of mine.classification.servers) {
    if (told.has(server)) continue;
    if (!isHostName(server) || orgs.has(server)) return `it takes "${server}" for a server, which is not a host name`;
  }
  for (const other of others) {
    const theirs = classifyMessage(other.message, compiled);
    if (theirs.matchedRuleIds.includes(DRAFT_ID) && theirs.classification.org !== other.org) {
      return `it would file a message filed by hand into ${other.org} (${other.message.subject ?? 'no subject'}) into ${theirs.classification.org ?? 'no org'}`;
    }
  }
  return null;
}
