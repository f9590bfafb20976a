// What a message brings to grouping (docs/correlation.md, Grouping): its signature, its hosts, its
// org, what its tool says (tool, check, problem or recovery), how loud it is, and whether it is
// routine mail. Pure: a classified message's outcome in, the keys out. They are stored with the
// message's membership of its event, so that any DaTamer process can rebuild what is open.
import type { Outcome } from '../classification/classifier.js';
import type { Severity } from '../classification/tags.js';
import type { ToolState } from '../classification/tool-packs/pack.js';

/** What a rule may say about grouping (docs/cli.md, rule actions): never group, or always open a new event. */
export type GroupAction = 'never' | 'new';

export interface GroupingKeys {
  /** the signature (template id), null when none was mined */
  sig: number | null;
  /** host names, lower-cased, sorted: the tags' and rules' servers and the hosts the tool names */
  hosts: string[];
  /** other hosts its subject and first lines name (mentions.ts), lower-cased, sorted */
  mentions?: string[];
  org: string | null;
  tool: string | null;
  check: string | null;
  state: ToolState | null;
  severity: Severity | null;
  /** heartbeats, reports, the regular mail of a schedule stream: never grouped with an incident */
  routine: boolean;
  /** a rule's word on grouping, null when no rule said anything */
  rule: GroupAction | null;
}

/**
 * Routine mail is what reports that things are as they should be: mail with a schedule (it
 * counts in a stream; its absence is what alerts), a tool's information, and mail that states
 * neither a problem nor a recovery and is not loud (a nightly report, a build that passed).
 */
function isRoutine(outcome: Outcome): boolean {
  const { classification: c, tool } = outcome;
  if (c.schedule !== null) return true;
  if (tool && tool.state !== 'information') return false;
  // A tool's information (cron's output) is routine unless someone made it loud (a tag, a rule).
  return c.severity !== 'warn' && c.severity !== 'critical';
}

export function groupingKeysOf(outcome: Outcome, rule: GroupAction | null = null): GroupingKeys {
  const { classification: c, tool } = outcome;
  const hosts = new Set(c.servers.map((s) => s.toLowerCase()));
  for (const alert of tool?.alerts ?? []) if (alert.host) hosts.add(alert.host.toLowerCase());
  if (tool?.host) hosts.add(tool.host.toLowerCase());
  return {
    sig: outcome.signatureId,
    hosts: [...hosts].sort(),
    // An org path can read as a host name (`ops.db.pg`): the message's own org is none.
    mentions: outcome.mentions.map((h) => h.toLowerCase()).filter((h) => !hosts.has(h) && h !== c.org),
    org: c.org,
    tool: tool?.tool ?? null,
    check: tool?.check ?? null,
    state: tool?.state ?? null,
    severity: c.severity,
    routine: isRoutine(outcome),
    rule,
  };
}
