// Classification of one parsed message: tags, then rules. Pure given the compiled rules.
import type { ParsedMessage } from '../ingest/parse.js';
import type { MessageAttributes } from '../../models/index.js';
import { decide, type Classification } from './classify.js';
import { factsOf } from './facts.js';
import { matchRules, type CompiledRules } from './rules.js';
import { streamKey } from '../schedules/stream-key.js';
import { parseTags, type TagWarning } from './tags.js';
import { readTool, withoutTags, type ToolFacts } from './tool-packs/index.js';
import { SIGNATURE_SCAN, signatureTokens } from '../correlation/signature.js';

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
  /** its signature (src/correlation/signature-store.ts), once mined; null until then or when it could not be */
  signatureId: number | null;
}

export function classifyMessage(message: Pick<ParsedMessage, 'subject' | 'text' | 'html' | 'fromAddress' | 'headers'>, rules: CompiledRules): Outcome {
  const base = factsOf(message, []);
  const tags = parseTags(base.subject, base.body);
  const matches = matchRules(rules, { ...base, servers: tags.servers });
  const tool = readTool(base);
  const classification = decide(tags, matches, tool);
  const stream = classification.schedule && message.fromAddress ? streamKey(classification.org, classification.servers, message.fromAddress, classification.schedule.period) : null;
  return {
    classification, tagWarnings: tags.warnings, matchedRuleIds: matches.map((m) => m.rule.id), stream, tool,
    // The sender's tags say how a team files the mail, not what kind of mail it is.
    signatureTokens: signatureTokens(withoutTags(base.subject), withoutTags(base.body.slice(0, SIGNATURE_SCAN))),
    signatureId: null,
  };
}

/** The message columns that hold an outcome. */
export function classificationColumns({ classification: c, tagWarnings, stream, signatureId }: Outcome, at: Date): Partial<MessageAttributes> {
  return { severity: c.severity, org: c.org, servers: c.servers, schedule: c.schedule, classifiedBy: c.by, decidedBy: c.decidedBy, tagWarnings, classifiedAt: at, streamKey: stream, signatureId };
}
