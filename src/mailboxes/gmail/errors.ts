// The Gmail API's and Google OAuth's errors, translated at the provider's boundary into
// DatamerErrors an admin can act on (https://developers.google.com/gmail/api/guides/handle-errors).
import { DatamerError, messageOf } from '../../errors.js';
import { describeGmail, type GmailSettings } from './settings.js';

interface GoogleFailure {
  status?: number;
  code?: string | number;
  message?: string;
  response?: { status?: number; data?: { error?: string | { message?: string; errors?: Array<{ reason?: string }> }; error_description?: string } };
  cause?: unknown;
}

const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|fetch failed|socket hang up/i;

export const statusOf = (err: unknown): number | undefined => {
  const e = err as GoogleFailure;
  return e?.response?.status ?? e?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
};

export const reasonOf = (err: unknown): string => {
  const data = (err as GoogleFailure)?.response?.data;
  if (data && typeof data.error === 'object') return data.error.errors?.[0]?.reason ?? '';
  return typeof data?.error === 'string' ? data.error : '';
};

/** Worth another try after a wait: quota (429, 403 rate limits) and Google's own 5xx. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  return status === 403 && /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/.test(reasonOf(err));
}

export function translateGmailError(err: unknown, settings: GmailSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const e = (err ?? {}) as GoogleFailure;
  const where = describeGmail(settings);
  const data = e.response?.data;
  const said = (typeof data?.error === 'object' ? data.error.message : data?.error_description) ?? messageOf(err);
  const oauth = typeof data?.error === 'string' ? data.error : '';
  if (oauth === 'unauthorized_client') {
    return new DatamerError(
      'MAILBOX_AUTH',
      `${where}: Google refused to let service account ${settings.serviceAccount} act for ${settings.mailbox}: in the Admin console (Security, Access and data control, API controls, Domain-wide delegation) add its Client ID with the scope https://www.googleapis.com/auth/gmail.modify (${said})`,
      { permanent: true, cause: err },
    );
  }
  if (oauth === 'invalid_grant' || oauth === 'invalid_client') {
    return new DatamerError('MAILBOX_AUTH', `${where}: Google refused the service account's key (${oauth}: ${said}); the key may have been deleted: make a new one and give it with datamer mailbox password`, {
      permanent: true,
      cause: err,
    });
  }
  const status = statusOf(err);
  if (status === 401) return new DatamerError('MAILBOX_AUTH', `${where}: the Gmail API refused DaTamer's token (${said})`, { permanent: true, cause: err });
  if (status === 403 && !isRetryable(err)) {
    return new DatamerError('MAILBOX_AUTH', `${where}: the Gmail API refused (${reasonOf(err) || 'forbidden'}: ${said}); is the Gmail API enabled for the service account's project?`, { permanent: true, cause: err });
  }
  if (status !== undefined && isRetryable(err)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: the Gmail API answered ${status} (${reasonOf(err) || said}); it will try again later`, { permanent: false, cause: err });
  }
  let text = '';
  for (let c: unknown = err, depth = 0; c && depth < 4; c = (c as GoogleFailure).cause, depth++) text += ` ${String((c as GoogleFailure).code ?? '')} ${messageOf(c)}`;
  if (status === undefined && NETWORK.test(text)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: cannot reach the Gmail API (${text.trim().split('\n')[0]})`, { permanent: false, cause: err });
  }
  return new DatamerError('MAILBOX_PROTOCOL', `${where}: ${status ?? ''} ${said}`.replace(/\s+/g, ' '), { permanent: false, cause: err });
}

/** A refused `messages.send`: a message Gmail will not take (400: no valid recipient, too large) is refused again on every try. */
export function translateGmailSendError(err: unknown, settings: GmailSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const status = statusOf(err);
  if (status === 400 || status === 413) {
    const data = (err as GoogleFailure).response?.data;
    const said = (typeof data?.error === 'object' ? data.error.message : undefined) ?? messageOf(err);
    return new DatamerError('DELIVERY_FAILED', `${describeGmail(settings)}: Gmail will not send this message (${reasonOf(err) || status}: ${said})`, { permanent: true, cause: err });
  }
  return translateGmailError(err, settings);
}
