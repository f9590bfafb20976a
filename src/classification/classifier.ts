// Classification of one parsed message: tags, then rules. Pure given the compiled rules.
// It runs behind the fence (src/ingest/parse-thread.ts); src/classification/fenced.ts is how the
// rest of DaTamer asks for it.
import type { ParsedMessage } from '../ingest/parse.js';
import type { MessageAttributes } from '../../models/index.js';
import { decide, UNCLASSIFIED, type Classification } from './classify.js';
import { factsOf } from './facts.js';
import { matchRules, type CompiledRules } from './rules.js';
import { streamKey } from '../schedules/stream-key.js';
import { parseTags, type TagWarning } from './tags.js';
import { readTool, withoutTags, type ToolFacts } from './tool-packs/index.js';
import { SIGNATURE_SCAN, signatureTokens } from '../correlation/signature.js';
import type { GroupAction } from '../correlation/grouping-keys.js';
import { mentionedHosts } from '../correlation/mentions.js';

export interface Outcome {
  classification: Classification;
  tagWarnings: TagWarning[];
  /** the rules that matched, in order */
  matchedRuleIds: number[];
  /** the schedule stream the message counts in, when it has a schedule and a sender */
  stream: string | null;
  /** what the tool that wrote it states (its tool pack), null when no pack knows it */
  tool: ToolFacts | null;
  /** what its signature is mined from: subject and first lines, tags left out, variables masked */
  signatureTokens: string[];
  /** the host names its subject and first lines name (src/correlation/mentions.ts) */
  mentions: string[];
  /** what a matching rule says about grouping (docs/correlation.md): never group it, or always open a new event; null when none says */
  group: GroupAction | null;
  /** its signature (src/correlation/signature-store.ts), once mined; null until then or when it could not be */
  signatureId: number | null;
  /** why the classification is partial or missing (a body cut short, a task stopped); null when it is whole */
  note: string | null;
}

/**
 * `safe`: the way back for a message whose classification was stopped: its HTML read without
 * layout, and tags only, no rules or tool packs.
 */
export function classifyMessage(message: Pick<ParsedMessage, 'subject' | 'text' | 'html' | 'fromAddress' | 'headers'>, rules: CompiledRules, options: { safe?: boolean } = {}): Outcome {
  const { partial, ...base } = factsOf(message, [], options);
  const tags = parseTags(base.subject, base.body);
  const matches = options.safe ? [] : matchRules(rules, { ...base, servers: tags.servers });
  const tool = options.safe ? null : readTool(base);
  const classification = decide(tags, matches, tool);
  const stream = classification.schedule && message.fromAddress ? streamKey(classification.org, classification.servers, message.fromAddress, classification.schedule.period) : null;
  const note = partial === null ? null : `classified on part of its text: ${partial}`;
  return {
    classification, tagWarnings: tags.warnings, matchedRuleIds: matches.map((m) => m.rule.id), stream, tool,
    // The sender's tags say how a team files the mail, not what kind of mail it is.
    signatureTokens: signatureTokens(withoutTags(base.subject), withoutTags(base.body.slice(0, SIGNATURE_SCAN))),
    mentions: mentionedHosts(base.subject, base.body),
    group: options.safe ? null : (matches.find((m) => m.rule.actions.group)?.rule.actions.group ?? null),
    signatureId: null,
    note,
  };
}

/** The outcome of a message that could not be classified at all: it still gets its event. */
export function unclassifiedOutcome(note: string): Outcome {
  return { classification: { ...UNCLASSIFIED, servers: [], decidedBy: {} }, tagWarnings: [], matchedRuleIds: [], stream: null, tool: null, signatureTokens: [], mentions: [], group: null, signatureId: null, note };
}

/** The message columns that hold an outcome. */
export function classificationColumns({ classification: c, tagWarnings, stream, signatureId, note, tool }: Outcome, at: Date): Partial<MessageAttributes> {
  return { severity: c.severity, org: c.org, servers: c.servers, schedule: c.schedule, classifiedBy: c.by, decidedBy: c.decidedBy, tagWarnings, classifiedAt: at, streamKey: stream, signatureId, classificationNote: note, tool: tool?.tool ?? null };
}
