// WHAT DOES IT SAY: the sender's tags first, then the rules fill what the tags left empty
// (or override them, when a rule says so), and every field remembers who decided it.
import type { RuleMatch } from './rules.js';
import { serversOf } from './rules.js';
import type { Schedule, Severity, Tags } from './tags.js';
import { toolServers, type ToolFacts } from './tool-packs/index.js';

export type ClassifiedField = 'severity' | 'org' | 'servers' | 'schedule';

export interface Classification {
  severity: Severity | null;
  org: string | null;
  servers: string[];
  schedule: Schedule | null;
  /**
   * Who decided the classification, as one word: who decided the org (what the message is
   * filed by); without an org, who decided the severity; `none` when nothing was decided.
   * `tag`, `rule:<id>`, `tool:<tool>` (a tool pack), later `model:<version>`; `label` once an engineer
   * filed it by hand (label.ts).
   */
  by: string;
  /** who decided each field that is set */
  decidedBy: Partial<Record<ClassifiedField, string>>;
  /** a folder a rule asked for, instead of the org's */
  folder: string | null;
}

export const UNCLASSIFIED: Classification = { severity: null, org: null, servers: [], schedule: null, by: 'none', decidedBy: {}, folder: null };

export function decide(tags: Tags, matches: RuleMatch[], tool: ToolFacts | null = null): Classification {
  const c: Classification = { severity: tags.severity, org: tags.org, servers: [...tags.servers], schedule: tags.schedule, by: 'none', decidedBy: {}, folder: null };
  const fromTags = { severity: tags.severity !== null, org: tags.org !== null, servers: tags.servers.length > 0, schedule: tags.schedule !== null };
  for (const field of ['severity', 'org', 'servers', 'schedule'] as const) if (fromTags[field]) c.decidedBy[field] = 'tag';

  // A rule sets a field the tags left empty and no earlier rule set; an overriding rule sets it regardless.
  const setByRule = new Set<ClassifiedField>();
  const may = (field: ClassifiedField, override: boolean) => override || (!fromTags[field] && !setByRule.has(field));
  const set = <F extends 'severity' | 'org' | 'schedule'>(field: F, value: Classification[F], who: string) => {
    c[field] = value;
    c.decidedBy[field] = who;
    setByRule.add(field);
  };

  for (const match of matches) {
    const { actions, override, id } = match.rule;
    const who = `rule:${id}`;
    if (actions.severity && may('severity', override)) set('severity', actions.severity, who);
    if (actions.org && may('org', override)) set('org', actions.org, who);
    if (actions.schedule && may('schedule', override)) set('schedule', actions.schedule, who);
    const servers = serversOf(match);
    if (servers.length > 0 && (override || !fromTags.servers)) {
      // Servers add up across rules; an overriding rule first sets aside what the tags said.
      if (c.decidedBy.servers === 'tag') c.servers = [];
      if (c.decidedBy.servers === undefined || c.decidedBy.servers === 'tag') c.decidedBy.servers = who;
      for (const server of servers) if (!c.servers.includes(server)) c.servers.push(server);
    }
    if (actions.folder && c.folder === null) c.folder = actions.folder;
  }
  // What the tool itself states fills what tags and rules left empty (docs/tool-packs.md).
  if (tool) {
    const servers = toolServers(tool);
    if (c.severity === null && tool.severity !== null) {
      c.severity = tool.severity;
      c.decidedBy.severity = `tool:${tool.tool}`;
    }
    if (c.servers.length === 0 && servers.length > 0) {
      c.servers = servers;
      c.decidedBy.servers = `tool:${tool.tool}`;
    }
  }
  c.by = c.decidedBy.org ?? c.decidedBy.severity ?? 'none';
  return c;
}
