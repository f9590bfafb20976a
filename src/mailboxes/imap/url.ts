// What an admin types to name an IMAP mailbox, parsed into settings the IMAP provider uses:
//
//   imaps://user@host[:port][/folder][?root=DaTamer&insecure=1]
//   imap://user@host[:port][/folder][?root=DaTamer&tls=starttls|none&insecure=1]
//
// - imaps: TLS from the first byte (port 993). imap: port 143, upgraded with STARTTLS when the
//   server offers it; `tls=starttls` refuses a server that does not, `tls=none` never upgrades.
// - user: percent-encoded where it holds `@` or `:` (`ops%40example.com@imap.example.com`).
// - folder: the folder DaTamer watches for new mail, the server's full name for it with the
//   server's own delimiter (`INBOX.Alerts` on Courier), percent-encoded; default INBOX.
// - root: under which folder DaTamer files (src/mailboxes/folders.ts), levels separated by `/`.
// - insecure=1: accept a certificate that does not verify (self-signed, wrong name). It is for a
//   test server: anyone on the path can then read the password.
//
// A password in the address is refused: it would sit in shell history and in the mailbox's
// settings JSON. It comes from a file (--password-file) and is stored encrypted (secrets.ts).
// The parser is hand-written rather than WHATWG URL: that one drops an empty password
// (`user:@host`) and resolves `..` in paths, both of which would hide what the admin typed.
import { isIP } from 'node:net';
import { DatamerError } from '../../errors.js';
import { DEFAULT_ROOT, rootSegments } from '../folders.js';

export interface ImapSettings {
  host: string;
  port: number;
  /** TLS from the first byte (imaps) */
  secure: boolean;
  /** upgrading a plain connection: must, when offered, or not at all (always 'never' for imaps) */
  starttls: 'require' | 'optional' | 'never';
  user: string;
  /** the folder watched for new mail */
  inbox: string;
  /** the root of DaTamer's folders, levels joined with `/` */
  root: string;
  /** false: a certificate that does not verify is accepted (`insecure=1`) */
  rejectUnauthorized: boolean;
}

const DEFAULT_PORTS = { imaps: 993, imap: 143 } as const;
const INBOX = 'INBOX';
const SHAPE = 'imaps://user@host[:port][/folder][?root=…&tls=starttls|none&insecure=1]';
const URL_PARTS = /^(imaps?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i;
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
// `?insecure` alone reads as "yes".
const FLAG_VALUES: Record<string, boolean> = { '': true, '1': true, true: true, yes: true, '0': false, false: false, no: false };

export function parseImapUrl(text: string): ImapSettings {
  const address = text.trim();
  const parts = URL_PARTS.exec(address);
  if (!parts) {
    // Not quoted: whatever it is, it may hold a password.
    throw new DatamerError('INPUT_INVALID', `an IMAP mailbox is written ${SHAPE}`);
  }
  const scheme = parts[1]!;
  const authority = parts[2]!;
  const rawPath = parts[3]!;
  const rawQuery: string | undefined = parts[4];
  const fragment: string | undefined = parts[5];
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  if (userinfo.includes(':')) {
    throw new DatamerError(
      'INPUT_INVALID',
      'the IMAP address holds a password; leave it out and give it with --password-file, so it never sits in shell history or the mailbox settings',
    );
  }
  // Errors quote the faulty piece, never the whole address: a password holding `/`, `?` or `#`
  // (`user:pa/ss@host`) is not recognised as one, and must not land in a log either.
  const bad = (problem: string): DatamerError => new DatamerError('INPUT_INVALID', `IMAP address: ${problem}`);

  const kind = scheme.toLowerCase() as keyof typeof DEFAULT_PORTS;
  if (fragment !== undefined) throw bad('a "#" part means nothing here (percent-encode it as %23 in a folder name)');
  if (userinfo === '') throw bad(`name the user to log in as (${SHAPE}); a password goes in --password-file, not in the address`);
  if (/;auth=/i.test(userinfo)) throw bad('choosing the login mechanism (;AUTH=) is not supported; DaTamer logs in with the password');
  const user = decode(userinfo, 'the user', bad);

  const { host, port } = hostAndPort(authority.slice(at + 1), DEFAULT_PORTS[kind], bad);
  const inbox = folder(rawPath, bad);
  const query = queryOf(rawQuery ?? '', bad);

  const secure = kind === 'imaps';
  const tls = query.get('tls');
  if (tls !== undefined && tls !== 'starttls' && tls !== 'none') throw bad(`tls must be starttls or none, got ${JSON.stringify(tls)}`);
  if (secure && tls !== undefined) throw bad(`imaps:// is TLS from the start; tls=${tls} goes with imap://`);
  const starttls = secure ? 'never' : tls === 'starttls' ? 'require' : tls === 'none' ? 'never' : 'optional';

  const insecure = query.get('insecure') ?? '0';
  if (!(insecure.toLowerCase() in FLAG_VALUES)) throw bad(`insecure must be 1 or 0, got ${JSON.stringify(insecure)}`);

  let root: string;
  try {
    root = rootSegments(query.get('root') ?? DEFAULT_ROOT).join('/');
  } catch {
    throw bad(`root must name a folder, such as ${DEFAULT_ROOT} or Ops/${DEFAULT_ROOT}`);
  }
  return { host, port, secure, starttls, user, inbox, root, rejectUnauthorized: !FLAG_VALUES[insecure.toLowerCase()] };
}

/** The mailbox for a list or a log line: the address without any password, parseable again. */
export function describeImap(settings: ImapSettings): string {
  const inbox = settings.inbox.split('/').map(encodeURIComponent).join('/');
  const query: string[] = [];
  if (settings.root !== DEFAULT_ROOT) query.push(`root=${settings.root.split('/').map(encodeURIComponent).join('/')}`);
  if (!settings.secure && settings.starttls !== 'optional') query.push(`tls=${settings.starttls === 'require' ? 'starttls' : 'none'}`);
  if (!settings.rejectUnauthorized) query.push('insecure=1');
  const host = isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host;
  const scheme = settings.secure ? 'imaps' : 'imap';
  return `${scheme}://${encodeURIComponent(settings.user)}@${host}:${settings.port}/${inbox}${query.length ? `?${query.join('&')}` : ''}`;
}

// Names of this machine: `localhost` and `127.0.0.1` reach the same server.
const LOOPBACK = /^(localhost|localhost\.localdomain|127(?:\.\d{1,3}){3}|::1)$/;
// The IMAP servers of Microsoft 365 and Google Workspace: a mailbox there is the one that Graph
// or Gmail reach under the same address (../graph, ../gmail name their accounts alike).
const HOSTED = new Set(['outlook.office365.com', 'imap.gmail.com']);

/**
 * Who the mailbox is: the user on the server and port, whatever else the address says (`%40` or
 * `@`, `localhost` or `127.0.0.1`, a trailing `/`, `?tls=none`, another folder). User names are
 * compared without case, as the servers DaTamer meets (Dovecot, Exchange, Gmail) log them in.
 */
export function imapAccount(settings: Pick<ImapSettings, 'host' | 'port' | 'user'>): string {
  const host = settings.host.toLowerCase().replace(/\.$/, '');
  const user = settings.user.toLowerCase();
  if (HOSTED.has(host)) return `mailbox:${user}`;
  return `imap:${user}@${LOOPBACK.test(host) ? 'localhost' : host}:${settings.port}`;
}

type Bad = (problem: string) => DatamerError;

function decode(text: string, what: string, bad: Bad): string {
  let value: string;
  try {
    value = decodeURIComponent(text);
  } catch {
    throw bad(`${what} has a broken percent-encoding`);
  }
  if (CONTROL.test(value)) throw bad(`${what} holds a control character`);
  return value;
}

function hostAndPort(text: string, defaultPort: number, bad: Bad): { host: string; port: number } {
  const parts = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(text);
  if (!parts || parts[1] === '') throw bad(`name the server: ${SHAPE}`);
  const rawHost = parts[1]!;
  const rawPort: string | undefined = parts[2];
  let host: string;
  if (rawHost.startsWith('[')) {
    host = rawHost.slice(1, -1).toLowerCase();
    if (isIP(host) !== 6) throw bad(`${rawHost} is not an IPv6 address`);
  } else {
    host = rawHost.toLowerCase();
    const name = host.endsWith('.') ? host.slice(0, -1) : host;
    if (isIP(name) !== 4 && (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label)))) {
      throw bad(`${JSON.stringify(rawHost)} is not a host name or IP address`);
    }
  }
  if (rawPort === undefined || rawPort === '') return { host, port: defaultPort };
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad(`the port must be a number between 1 and 65535, got ${JSON.stringify(rawPort)}`);
  return { host, port };
}

function folder(rawPath: string, bad: Bad): string {
  const path = rawPath.replace(/^\//, '').replace(/\/$/, '');
  if (path === '') return INBOX;
  const name = decode(path, 'the folder', bad);
  // INBOX is the one case-insensitive mailbox name (RFC 3501 §5.1).
  return name.toUpperCase() === INBOX ? INBOX : name;
}

function queryOf(text: string, bad: Bad): Map<string, string> {
  const known = ['root', 'tls', 'insecure'];
  const query = new Map<string, string>();
  for (const pair of text.split('&').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), 'an option name', bad);
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1), `option ${name}`, bad);
    if (!known.includes(name)) throw bad(`unknown option ${JSON.stringify(name)} (known: ${known.join(', ')})`);
    if (query.has(name)) throw bad(`option ${name} is given twice`);
    query.set(name, value);
  }
  return query;
}
