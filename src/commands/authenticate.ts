// Who wrote a reply, and may they command? Only a known user of the tenant, and From: alone
// proves nothing: the reply must carry the user's token (reply address or subject), or pass
// the tenant's trusted DKIM/SPF check (docs/commands.md).
import type { Deps } from '../deps.js';
import type { ParsedMessage } from '../ingest/parse.js';
import type { Tenant, User } from '../../models/index.js';
import { normalizeAddress } from '../tenants/tenants.js';
import { authenticationVerdict } from './auth-results.js';
import { parseReplyAddress, subjectToken } from '../reply-address.js';

export type Sender = { ok: true; user: User; proof: string } | { ok: false; user: User | null; problem: string };

export async function authenticate(deps: Deps, tenant: Tenant, parsed: ParsedMessage, recipients: string[]): Promise<Sender> {
  const from = parsed.fromAddress ? normalizeAddress(parsed.fromAddress) : null;
  const user = from ? await deps.db.models.User.findOne({ where: { tenantId: tenant.id, email: from } }) : null;
  if (!user) return { ok: false, user: null, problem: `not allowed: ${from ?? 'the sender'} is not a user of this DaTamer tenant` };

  const tokens = [...recipients.map((r) => parseReplyAddress(r)?.token ?? null), subjectToken(parsed.subject)].filter((t): t is string => t !== null);
  if (user.commandToken && tokens.includes(user.commandToken)) return { ok: true, user, proof: 'token' };

  if (tenant.trustedAuthservId) {
    const verdict = authenticationVerdict(parsed.headers.get('authentication-results') ?? [], tenant.trustedAuthservId, from!);
    if (verdict.pass) return { ok: true, user, proof: verdict.method! };
  }
  return {
    ok: false,
    user,
    problem:
      tokens.length > 0
        ? 'not allowed: the reply carries a token that is not yours, or an old one (it was rotated); reply to a newer mail from DaTamer'
        : "not allowed: the reply does not carry your token; reply to a mail from DaTamer and keep its reply address (or put key:<your token> in the subject)",
  };
}
