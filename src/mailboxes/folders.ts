// The folder layout DaTamer keeps in a shared mailbox (docs/mailbox.md), as pure functions:
// which folder an MSE goes to, and what that folder is called on a given server. No I/O here;
// the providers create, list and watch the folders these functions name.
//
//   <root>/Unclassified
//   <root>/<org segment>/…/<org segment>            one classification folder per org path
//   <root>/<org segments>/@<handle>                  an engineer's claim folder
//   <root>/<org segments>/completed                  the classification's completed folder
//
// Three kinds of names share a classification folder: child orgs, claim folders and `completed`.
// They must never collide, and a name must never change once engineers use it, so each kind has a
// shape the others cannot have:
// - a child org is a bare org segment (`[a-z0-9_-]+`, tags.ts), as engineers read it in the tag;
// - a claim folder is always `@<handle>`. `@` cannot start an org segment or `completed`, so
//   engineer `alice` and child org `a.b.alice` are told apart. Prefixing only on a clash would
//   rename the claim folder the day a `:org:a.b.alice:` tag first arrives, under the engineer's
//   feet; an always-prefixed name never moves. A handle `completed` is `@completed`, not the
//   completed folder.
// - `completed` is spelled as in the product. An org segment that is a name DaTamer or a server
//   reserves (see RESERVED_ORG_SEGMENTS) is written `<segment> (org)`: a space and parentheses never
//   occur in an org segment, so that name is taken by nothing else.

import type { FolderRole } from '../../models/index.js';
import type { Severity } from '../../models/vocabulary.js';
import { isOrgPath } from '../org-paths.js';
import { DatamerError } from '../errors.js';

export type { FolderRole };

export const DEFAULT_ROOT = 'DaTamer';
export const UNCLASSIFIED = 'Unclassified';
// Made by earlier versions for replies with commands, which are now taken out of the mailbox
// (docs/commands.md); still no org may take its name.
export const REPLIES = 'Replies';
export const COMPLETED = 'completed';
export const CLAIM_PREFIX = '@';

/**
 * How a path is joined on a server without hierarchy (LIST answers a NIL delimiter, RFC 3501
 * §7.2.2): a dot reads like the org tag (`DaTamer.datamer.frontend.ui.@alice`), and a dot inside a
 * name is replaced like any delimiter (safeSegment), so a flat path is as unambiguous as a deep one.
 */
export const FLAT_SEPARATOR = '.';

/**
 * Org segments that cannot be written as they are:
 * - `completed`: the completed folder of the parent classification;
 * - `unclassified`: IMAP names are case-sensitive (RFC 3501 §5.1; only INBOX is not), but
 *   Exchange and Gmail compare folder names case-insensitively, where a top-level org
 *   `unclassified` would be the `Unclassified` folder;
 * - `cur`, `new`, `tmp`: Dovecot with maildir `LAYOUT=fs` refuses them as any path component
 *   ("Contains reserved name"), since they are the maildir's own directories.
 */
const RESERVED_ORG_SEGMENTS = new Set([COMPLETED, UNCLASSIFIED.toLowerCase(), REPLIES.toLowerCase(), 'cur', 'new', 'tmp']);
const ORG_SUFFIX = ' (org)';

/** What a folder is for, and its names from the root down (before safeSegment and the delimiter). */
export interface FolderSpec {
  role: FolderRole;
  /** class, claim and completed folders: the org path they stand for */
  org: string | null;
  /** claim folders: whose */
  handle: string | null;
  /** e.g. ['DaTamer', 'datamer', 'frontend', 'ui', '@alice'] */
  segments: string[];
}

/**
 * The root as the admin typed it, in levels. The admin always writes `/` between levels
 * (`Ops/DaTamer` is two levels), whatever the server's own delimiter is: folderPath then joins
 * the levels with that delimiter. Empty levels (`Ops//DaTamer`, a trailing `/`) are dropped.
 * A server that keeps everything under INBOX (Courier, some Cyrus) takes a root such as `INBOX/DaTamer`.
 */
export function rootSegments(root: string): string[] {
  const segments = root
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (segments.length === 0) {
    throw new DatamerError('INPUT_INVALID', `the folder root must name a folder, such as ${DEFAULT_ROOT} or Ops/${DEFAULT_ROOT}; got ${JSON.stringify(root)}`);
  }
  return segments;
}

function orgSegments(org: string): string[] {
  if (!isOrgPath(org)) {
    throw new DatamerError('INPUT_INVALID', `not an org path (dotted segments of a-z, 0-9, _ and -): ${JSON.stringify(org)}`);
  }
  return org.split('.').map((s) => (RESERVED_ORG_SEGMENTS.has(s) ? s + ORG_SUFFIX : s));
}

export function unclassifiedFolder(root: string): FolderSpec {
  return { role: 'unclassified', org: null, handle: null, segments: [...rootSegments(root), UNCLASSIFIED] };
}

export function classFolder(root: string, org: string): FolderSpec {
  return { role: 'class', org, handle: null, segments: [...rootSegments(root), ...orgSegments(org)] };
}

export function claimFolder(root: string, org: string, handle: string): FolderSpec {
  if (handle === '') throw new DatamerError('INPUT_INVALID', 'a claim folder needs the handle of an engineer');
  return { role: 'claim', org, handle, segments: [...classFolder(root, org).segments, CLAIM_PREFIX + handle] };
}

export function completedFolder(root: string, org: string): FolderSpec {
  return { role: 'completed', org, handle: null, segments: [...classFolder(root, org).segments, COMPLETED] };
}

/**
 * Characters that never go into a name, and the readable lookalike put in their place, so that an
 * engineer still sees `j.doe` in `@j․doe`:
 * - the delimiter (would split the name into levels) and `/` always: `/` is the directory
 *   separator of every file-backed store (Dovecot, UW-IMAP), refused even where `.` is the delimiter;
 * - `%` and `*`, the LIST wildcards (RFC 3501 §6.3.8): a name holding them cannot be listed alone;
 * - `\`, a delimiter on a few servers and an escape in quoted strings.
 * A delimiter not in this table is replaced with `_`.
 */
const LOOKALIKES: Record<string, string> = {
  '/': '\u2215', // ∕ DIVISION SLASH
  '.': '\u2024', // ․ ONE DOT LEADER
  '\\': '\u2216', // ∖ SET MINUS
  '%': '\uFF05', // ％ FULLWIDTH PERCENT SIGN
  '*': '\u2217', // ∗ ASTERISK OPERATOR
};
// C0 and C1 controls and DEL: servers refuse them, and clients show them as nothing at all.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * One level of a folder name, made legal on a server whose hierarchy delimiter is `delimiter`
 * (null: a flat server, joined with FLAT_SEPARATOR). Leading and trailing white space is dropped,
 * control characters become `_`, the characters above their lookalikes, and an empty name `_`.
 * Everything else stays, spaces and non-ASCII included (imapflow writes modified UTF-7, RFC 3501 §5.1.3).
 *
 * Two names can give the same segment: one holding a lookalike (`a∕b`) and one holding the
 * character it stands for (`a/b`), or a control character and `_`. Org segments and handles hold
 * none of these characters, so the folders DaTamer makes for them never meet this way; only an
 * odd root could.
 */
export function safeSegment(name: string, delimiter: string | null): string {
  const separator = separatorOf(delimiter);
  const replaced = name
    .trim()
    .replace(CONTROL, '_')
    .split(separator)
    .join(LOOKALIKES[separator] ?? '_')
    .replace(/[/%*\\]/g, (c) => LOOKALIKES[c]!);
  return replaced === '' ? '_' : replaced;
}

/** The folder's full name on a server whose LIST answer gave `delimiter` (null: flat). */
export function folderPath(spec: FolderSpec, delimiter: string | null): string {
  return spec.segments.map((s) => safeSegment(s, delimiter)).join(separatorOf(delimiter));
}

/**
 * What a folder found in the mailbox stands for in the layout under `root`, when it is named as
 * DaTamer would name it (docs/mailbox.md, "The folder layout"): an engineer who makes
 * `DaTamer/acme/db/@dave` by hand makes dave's claim folder. Null for any other folder. `path` is
 * the provider's whole name, `prefix` (an IMAP namespace) included.
 */
export function folderMeaningOf(path: string, root: string, delimiter: string | null, prefix: string): FolderSpec | null {
  if (!path.startsWith(prefix)) return null;
  const parts = path.slice(prefix.length).split(separatorOf(delimiter));
  const rootParts = rootSegments(root).map((s) => safeSegment(s, delimiter));
  if (parts.length <= rootParts.length || rootParts.some((r, i) => parts[i] !== r)) return null;
  const rest = parts.slice(rootParts.length);
  const last = rest[rest.length - 1]!;
  const orgOf = (segments: string[]) => segments.map((s) => (s.endsWith(ORG_SUFFIX) && RESERVED_ORG_SEGMENTS.has(s.slice(0, -ORG_SUFFIX.length)) ? s.slice(0, -ORG_SUFFIX.length) : s)).join('.');
  let spec: FolderSpec;
  try {
    if (rest.length === 1 && last === UNCLASSIFIED) spec = unclassifiedFolder(root);
    else if (rest.length > 1 && last.startsWith(CLAIM_PREFIX)) spec = claimFolder(root, orgOf(rest.slice(0, -1)), last.slice(CLAIM_PREFIX.length));
    else if (rest.length > 1 && last === COMPLETED) spec = completedFolder(root, orgOf(rest.slice(0, -1)));
    else spec = classFolder(root, orgOf(rest));
  } catch {
    return null; // not an org path: some other folder of the team's
  }
  // Only a name DaTamer itself would have written: anything else (another case, a stray space) is not its.
  return prefix + folderPath(spec, delimiter) === path ? spec : null;
}

// An empty delimiter is no delimiter: splitting on '' would tear every name into characters.
function separatorOf(delimiter: string | null): string {
  return delimiter === null || delimiter === '' ? FLAT_SEPARATOR : delimiter;
}

/**
 * The IMAP keyword that shows an MSE's severity (RFC 3501 §2.3.2). A keyword is an atom: no
 * space, ( ) { % * " \ ] or control characters, so `datamer-critical`. Lower case, since
 * servers differ on whether keywords are case-sensitive; no leading `$`, which marks keywords
 * registered with IANA (RFC 5788). The same words name the Gmail labels and Outlook categories.
 */
export function severityKeyword(severity: Severity): string {
  return `datamer-${severity}`;
}

export const SEVERITY_KEYWORDS: readonly string[] = (['info', 'warn', 'critical'] as const).map(severityKeyword);
