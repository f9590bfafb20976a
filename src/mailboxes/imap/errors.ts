// IMAP's errors (imapflow's, the server's, the TLS layer's), translated at the provider's
// boundary into DatamerErrors a user can act on, never with the password (imapflow never has it
// in messages).
import { DatamerError, messageOf } from '../../errors.js';
import { describeImap, type ImapSettings } from './url.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'NoConnection', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT']);

type ImapError = Error & { code?: string; authenticationFailed?: boolean; responseText?: string };

/** One line that says what went wrong and where. */
export function translateImapError(err: unknown, settings: ImapSettings): DatamerError {
  if (err instanceof DatamerError) return err;
  const e = err as ImapError;
  const where = describeImap(settings);
  if (e?.authenticationFailed) {
    const said = e.responseText ? ` (the server said: ${e.responseText})` : '';
    return new DatamerError('MAILBOX_AUTH', `${where}: login refused: wrong user name or password${said}`, { permanent: true, cause: err });
  }
  if (e?.code && UNREACHABLE.has(e.code)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: cannot reach the server (${e.code}: ${messageOf(err)})`, { permanent: false, cause: err });
  }
  // OpenSSL's answer to plain text where a TLS handshake was expected (an IMAP greeting on 143).
  if (settings.secure && /wrong version number|packet length too long|unknown protocol|ERR_SSL_WRONG_VERSION/i.test(`${e?.code ?? ''} ${messageOf(err)}`)) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: the server did not answer TLS on this port; did you mean imap:// with ?tls=starttls or none?`, { permanent: true, cause: err });
  }
  if (/certificate|self[- ]signed|TLS|SSL/i.test(messageOf(err))) {
    return new DatamerError('MAILBOX_UNREACHABLE', `${where}: TLS failed: ${messageOf(err)}`, { permanent: false, cause: err });
  }
  const said = e?.responseText ? `: ${e.responseText}` : '';
  return new DatamerError('MAILBOX_PROTOCOL', `${where}: ${messageOf(err)}${said}`, { permanent: false, cause: err });
}
