// Sentry's issue alert mail: subject "[Sentry] $shortID - $title" (the project's default
// mail:subject_template, after the "[Sentry] " subject prefix), a "Tags" list of `* name = value`
// lines in the body (sentry/templates/sentry/emails/error.txt). The level tag is Sentry's own
// severity: debug, info, warning, error, fatal.
// https://docs.sentry.io/product/alerts/notifications/
import type { Severity } from '../../tags.js';
import { hostName, lines, single, type ToolPack } from '../pack.js';

const SUBJECT = /^\[Sentry\] (?:([A-Z0-9][A-Z0-9-]*-[A-Z0-9]+) - )?(.+)$/;
const TAG = /^\s*\*\s+([\w.-]+) = (.*?)\s*$/;
const LEVELS: Record<string, Severity> = { fatal: 'critical', error: 'warn', warning: 'warn', info: 'info', debug: 'info' };

export const sentry: ToolPack = {
  tool: 'sentry',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const tags = new Map<string, string>();
    for (const line of lines(m.body).slice(0, 400)) {
      const tag = TAG.exec(line);
      if (tag && !tags.has(tag[1]!)) tags.set(tag[1]!, tag[2]!);
    }
    return single('sentry', {
      host: hostName(tags.get('server_name')),
      check: match[1] ? `${match[1]} ${match[2]!}` : match[2]!,
      state: 'problem',
      severity: LEVELS[(tags.get('level') ?? '').toLowerCase()] ?? null,
    });
  },
};
