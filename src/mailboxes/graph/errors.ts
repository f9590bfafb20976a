// Graph's and the identity platform's errors, translated at the provider's boundary into
// DatamerErrors an admin can act on. Codes from the Graph error reference
// (https://learn.microsoft.com/graph/errors) and the AADSTS error codes of the identity platform.
import { DatamerError, messageOf } from '../../errors.js';
import type { GraphSettings } from './settings.js';
import { describeGraph } from './settings.js';

export interface GraphFailure {
  statusCode?: number;
  code?: string | null;
  message?: string;
  /** MSAL */
  errorCode?: string;
  errorMessage?: string;
  cause?: unknown;
}

const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|fetch failed|socket hang up|network/i;

function causeText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(`${(e as { code?: string }).code ?? ''} ${messageOf(e)}`);
  }
  return parts.join(' ');
}

export function translateGraphError(err: unknown, settings: GraphSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const e = (err ?? {}) as GraphFailure;
  const where = describeGraph(settings);
  const raw = (e.errorMessage ?? e.message ?? '').split('\n')[0]!.trim();
  // MSAL wraps the identity platform's answer in trace lines; the AADSTS description is what an admin looks up.
  const said = /AADSTS\d+:.*?(?= - (?:Correlation ID|Trace ID|Timestamp)|$)/.exec(raw)?.[0] ?? raw;
  // The identity platform (MSAL): the app registration or its credential.
  if (e.errorCode === 'invalid_client' || /AADSTS7000215|AADSTS7000222|AADSTS700027/.test(said)) {
    return new DatamerError('MAILBOX_AUTH', `${where}: Microsoft Entra ID refused the app's ${settings.credential === 'secret' ? 'client secret (wrong, or expired)' : 'certificate'}: ${said}; give a valid one with: datamer mailbox password`, { permanent: true, cause: err });
  }
  if (e.errorCode === 'unauthorized_client' || /AADSTS700016/.test(said)) {
    return new DatamerError('MAILBOX_AUTH', `${where}: no app registration with client id ${settings.clientId} in tenant ${settings.tenantId}: ${said}`, { permanent: true, cause: err });
  }
  if (/AADSTS90002|AADSTS900023|invalid_tenant/.test(said) || e.errorCode === 'invalid_tenant') {
    return new DatamerError('MAILBOX_AUTH', `${where}: no Microsoft Entra tenant ${settings.tenantId}: ${said}`, { permanent: true, cause: err });
  }
  const status = e.statusCode;
  if (status === 401) {
    return new DatamerError('MAILBOX_AUTH', `${where}: Microsoft Graph refused the app's token (${e.code ?? 'Unauthorized'}: ${said})`, { permanent: true, cause: err });
  }
  if (status === 403) {
    return new DatamerError(
      'MAILBOX_AUTH',
      `${where}: the app may not use this mailbox (${e.code ?? 'Forbidden'}: ${said}); grant the application permission Mail.ReadWrite with admin consent, and include ${settings.mailbox} in the app's scope (RBAC for Applications)`,
      { permanent: true, cause: err },
    );
  }
  if (status === 404 && (e.code === 'ErrorInvalidUser' || e.code === 'MailboxNotEnabledForRESTAPI' || e.code === 'ResourceNotFound')) {
    return new DatamerError('MAILBOX_AUTH', `${where}: Microsoft Graph knows no mailbox ${settings.mailbox} (${e.code}: ${said})`, { permanent: true, cause: err });
  }
  if (status === 429) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: Microsoft Graph is throttling DaTamer (${e.code ?? 'TooManyRequests'}); it will try again later`, { permanent: false, cause: err });
  }
  if (status !== undefined && status >= 500) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: Microsoft Graph answered ${status} (${e.code ?? ''} ${said})`, { permanent: false, cause: err });
  }
  const text = causeText(err);
  if ((status === undefined || status === -1 || status === 0) && NETWORK.test(text)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: cannot reach Microsoft Graph (${text.trim().split('\n')[0]})`, { permanent: false, cause: err });
  }
  return new DatamerError('MAILBOX_PROTOCOL', `${where}: ${status ?? ''} ${e.code ?? ''} ${said || messageOf(err)}`.replace(/\s+/g, ' '), { permanent: false, cause: err });
}

/**
 * A refused `sendMail`, in the admin's words: the permission it needs is Mail.Send, not
 * Mail.ReadWrite; a message Graph will not take (bad MIME, too large, no valid recipient) is
 * refused again on every try, so that is permanent too.
 */
export function translateGraphSendError(err: unknown, settings: GraphSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const e = (err ?? {}) as GraphFailure;
  const where = describeGraph(settings);
  const said = (e.message ?? '').split('\n')[0]!.trim();
  if (e.code === 'ErrorSendAsDenied') {
    return new DatamerError('DELIVERY_FAILED', `${where}: Exchange refused to send as another address (${e.code}: ${said}); DaTamer sends as ${settings.mailbox} itself`, { permanent: true, cause: err });
  }
  if (e.statusCode === 403) {
    return new DatamerError('MAILBOX_AUTH', `${where}: the app may not send as this mailbox (${e.code ?? 'Forbidden'}: ${said}); grant the application permission Mail.Send with admin consent, and include ${settings.mailbox} in the app's scope (RBAC for Applications)`, {
      permanent: true,
      cause: err,
    });
  }
  if (e.statusCode === 400 || e.statusCode === 413) {
    return new DatamerError('DELIVERY_FAILED', `${where}: Microsoft Graph will not send this message (${e.code ?? e.statusCode}: ${said})`, { permanent: true, cause: err });
  }
  return translateGraphError(err, settings);
}
