// The org vocabulary every layer shares (docs/tags.md, docs/commands.md): an org path names a
// place in the organisation (`infra.db.pg`); an org pattern names a subtree of them, as
// subscriptions and maintenance windows do. Pure, and importing nothing of DaTamer's, so that
// tags, rules, people, schedules and mailboxes can all use it without import circles.
//
//   `a.b.c`  exactly that org
//   `a.b.*`  a.b itself and everything below it (a.b.c, a.b.c.d), not a.bc
//   `*`      every org

const ORG_SEGMENT = /^[a-z0-9_-]+$/;
const MAX_ORG_LENGTH = 300;

const SEGMENT = '[a-z0-9_-]+';
const PATTERN = new RegExp(`^(\\*|${SEGMENT}(\\.${SEGMENT})*(\\.\\*)?)$`);

/** Dot-separated segments of a-z 0-9 _ -, at most 300 characters. */
export function isOrgPath(org: string): boolean {
  return org.length > 0 && org.length <= MAX_ORG_LENGTH && org.split('.').every((s) => ORG_SEGMENT.test(s));
}

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
