// The only reader of process.env. Everything DaTamer can be told at start-up is here,
// validated once; a bad value stops the start with one line naming the variable.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DatamerError } from './errors.js';
import { CLASSIFY_TIMEOUT_MS, PARSE_TIMEOUT_MS } from './ingest/parse-pool.js';
import { projectRoot } from './paths.js';
import { parseSecretKey } from './mailboxes/secrets.js';
import { DEFAULT_GRACE_MS } from './schedules/evaluate.js';
import { DEFAULT_ALERTS } from './notifications/defaults.js';
import { parseDuration } from './schedules/duration.js';
import { DEFAULT_TRUSTED_RELAYS, relayEntry } from './mailboxes/smtp/border.js';
import { DEFAULT_ANSWERS_PER_HOUR } from './commands/answer-limit.js';

const MiB = 1024 * 1024;

const relayList = (text: string) => text.split(/[\s,]+/).filter((e) => e !== '');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be a port number between 1 and 65535')
  .max(65535, 'must be a port number between 1 and 65535');

const host = z.string().min(1, 'must not be empty');

const databaseUrl = z
  .string()
  .refine((v) => /^(postgres|postgresql):\/\/.+/.test(v) || /^sqlite:.+/.test(v), {
    message: 'must start with postgres:// (PostgreSQL) or sqlite: (a file path, or sqlite::memory:)',
  });

const smtpUrl = z.string().refine((v) => /^smtps?:\/\/[^/]+/.test(v), {
  message: 'must look like smtp://host:port or smtps://user:pass@host:port',
});

const bytes = z.coerce
  .number({ error: 'must be a number of bytes' })
  .int('must be a whole number of bytes')
  .min(1024, 'must be at least 1024 bytes');

const duration = z.string().refine((v) => parseDuration(v) !== null, { message: 'must be a duration such as 90s, 10m, 2h or 1d' });

const secretKey = z.string().refine((v) => parseSecretKey(v) !== null, {
  message: 'must be 32 bytes written as 64 hex characters or in base64 (openssl rand -hex 32)',
});

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * DATAMER_TRUST_PROXY: which proxies' X-Forwarded-For/-Proto the web site believes (express's
 * "trust proxy": names, addresses, subnets), or none. null: not that.
 */
export function parseTrustProxy(text: string): string[] | false | null {
  if (text.trim().toLowerCase() === 'none') return false;
  const entries = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const valid = (x: string) => {
    if (PROXY_NAMES.includes(x)) return true;
    const [address, bits, ...rest] = x.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  };
  return entries.length > 0 && entries.every(valid) ? entries : null;
}

const trustProxy = z.string().refine((v) => parseTrustProxy(v) !== null, {
  message: 'must be none, or a comma-separated list of loopback, linklocal, uniquelocal, addresses and subnets such as 10.0.0.0/8',
});

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

const flag = z.enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'], {
  error: 'must be 1 or 0 (or true/false, yes/no, on/off)',
});

/** Each variable, its rule and its default. Order is the order errors are reported in. */
const schema = z.object({
  DATAMER_DATA_DIR: z.string().min(1, 'must not be empty').optional(),
  DATABASE_URL: databaseUrl.optional(),
  DATAMER_LOG_LEVEL: logLevel.default('info'),
  DATAMER_SMTP_HOST: host.default('127.0.0.1'),
  DATAMER_SMTP_PORT: port.default(2525),
  DATAMER_SMTP_MAX_BYTES: bytes.default(25 * MiB),
  DATAMER_SMTP_DATA_MEMORY: bytes.default(256 * MiB),
  // A message larger than this is received into a file under the data directory (src/mailboxes/smtp/spool.ts).
  DATAMER_SMTP_SPOOL_ABOVE: bytes.default(MiB),
  // Limits of DaTamer's own address (docs/operations.md): clients at once, in all and per
  // client address, and how long a message may wait for the database before the client hears 451.
  DATAMER_SMTP_MAX_CLIENTS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(200),
  DATAMER_SMTP_MAX_CLIENTS_PER_ADDRESS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(20),
  DATAMER_SMTP_STORE_WAIT: duration.optional(),
  DATAMER_SMTP_DATA_TIMEOUT: duration.optional(),
  DATAMER_SMTP_TRUSTED_RELAYS: z
    .string()
    .refine((v) => v.trim() === 'none' || relayList(v).every((e) => relayEntry(e) !== null), { message: 'must list IP addresses or networks (10.0.0.5, 10.0.0.0/8, ::1), separated by commas, or say none' })
    .optional(),
  DATAMER_SMTP_TLS_KEY_FILE: z.string().optional(),
  DATAMER_SMTP_TLS_CERT_FILE: z.string().optional(),
  DATAMER_SMTP_AUTH_USER: z.string().optional(),
  DATAMER_SMTP_AUTH_PASSWORD: z.string().optional(),
  DATAMER_SMTP_AUTH_PASSWORD_FILE: z.string().optional(),
  DATAMER_WEB_HOST: host.default('127.0.0.1'),
  DATAMER_WEB_PORT: port.default(3000),
  // The proxies in front of the web site whose X-Forwarded-Proto says it came over TLS (docs/web.md).
  DATAMER_TRUST_PROXY: trustProxy.default('loopback'),
  // The bearer token a scraper of /metrics from another machine sends (docs/operations.md).
  DATAMER_METRICS_TOKEN: z.string().min(16, 'must have at least 16 characters (openssl rand -hex 16)').optional(),
  DATAMER_METRICS_TOKEN_FILE: z.string().optional(),
  // How people reach the web site from their mail client (the digest's unsubscribe link).
  DATAMER_PUBLIC_URL: z.string().refine((v) => /^https?:\/\/[^/\s]+/.test(v), { message: 'must be an http:// or https:// address' }).optional(),
  DATAMER_OUTGOING_SMTP_URL: smtpUrl.optional(),
  DATAMER_JOBS: flag.default('1'),
  // How long a stream may be out of range before an alert, per period (docs/schedules.md).
  DATAMER_GRACE_HOUR: duration.optional(),
  DATAMER_GRACE_DAY: duration.optional(),
  DATAMER_GRACE_MONTH: duration.optional(),
  // Alerts (docs/notifications.md): how long to gather events opening for one person into one
  // mail, and how often an event nobody has taken is told again.
  DATAMER_ALERT_GROUP_WAIT: duration.optional(),
  DATAMER_ALERT_REPEAT: duration.optional(),
  // For DaTamer's own crash tests only (test/integration/notifications/crash.test.ts): the alert
  // pass stops for good after queueing a mail, before its commit, so a test can kill it there.
  DATAMER_TEST_HOLD: z.enum(['alert-mail-commit'], { error: 'must be alert-mail-commit (for DaTamer\'s own tests)' }).optional(),
  // The key that encrypts mailbox passwords at rest (src/mailboxes/secrets.ts).
  // How long a watched mailbox may go without a look at its folders when its inbox is quiet.
  DATAMER_MAILBOX_POLL: duration.optional(),
  DATAMER_SECRET_KEY: secretKey.optional(),
  // The fence's budgets (src/ingest/parse-pool.ts, docs/operations.md).
  DATAMER_PARSE_TIMEOUT: duration.optional(),
  DATAMER_CLASSIFY_TIMEOUT: duration.optional(),
  DATAMER_PENDING_ATTEMPTS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(5),
  // Answers an hour to one user's replies that applied nothing, before DaTamer falls silent (src/commands/reply.ts).
  DATAMER_ANSWERS_PER_HOUR: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').default(DEFAULT_ANSWERS_PER_HOUR),
  DATAMER_SECRET_KEY_FILE: z.string().optional(),
});

/** Never echoed in an error: the message would put the secret in a log or a terminal. */
const SECRET_VARIABLES = new Set(['DATAMER_SECRET_KEY', 'DATAMER_METRICS_TOKEN']);

export interface Config {
  readonly dataDir: string;
  /** postgres://… or sqlite:<path> or sqlite::memory: */
  readonly databaseUrl: string;
  /** what chose the database: a variable, or the default under the installation */
  readonly databaseChosenBy: 'DATABASE_URL' | 'DATAMER_DATA_DIR' | 'default';
  readonly logLevel: string;
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly maxBytes: number;
    /** clients connected at once; one more is answered 421 */
    readonly maxClients: number;
    /** clients connected at once from one IP address; one more is answered 421 */
    readonly maxClientsPerAddress: number;
    /** ms a message may wait for the database before the client is answered 451 (and retries) */
    readonly storeWaitMs: number;
    /** bytes the messages being received, parsed and stored may hold in memory together; past it they go to the spool */
    readonly dataMemory: number;
    /** a message larger than this many bytes is received into a file in `spoolDir` */
    readonly spoolAboveBytes: number;
    /** where large messages are received (under the data directory); each listener has a directory of its own in it */
    readonly spoolDir: string;
    /** ms one DATA transfer may take in all, however slowly it trickles; then 421 and the connection closes */
    readonly dataTimeoutMs: number;
    /** clients whose Authentication-Results headers are kept (the tenants' receiving servers); others' are deleted */
    readonly trustedRelays: readonly string[];
    readonly tls: { readonly key: Buffer; readonly cert: Buffer } | null;
    readonly auth: { readonly user: string; readonly password: string } | null;
  };
  readonly web: {
    readonly host: string;
    readonly port: number;
    /** whose X-Forwarded-* headers the site believes (express's trust proxy); false: nobody's */
    readonly trustProxy: readonly string[] | false;
    /** what a /metrics scraper on another machine must send as its bearer token; null: only this machine may scrape */
    readonly metricsToken: string | null;
  };
  /** the web site's address as people reach it (links in mail); default http://<web host>:<port> */
  readonly publicUrl: string;
  /** where outgoing mail (alerts, notices) is handed over; null: the outbox keeps it queued */
  readonly outgoingSmtpUrl: string | null;
  readonly jobs: boolean;
  /** grace periods of schedule alerts, ms, per period */
  readonly grace: { readonly hour: number; readonly day: number; readonly month: number };
  /** alerts: the group wait and the repeat interval, ms */
  readonly alerts: {
    readonly groupWaitMs: number;
    readonly repeatMs: number;
    /** DATAMER_TEST_HOLD=alert-mail-commit: a test's kill point, never set in use */
    readonly holdBeforeCommit?: boolean;
  };
  /** how often a mailbox's folders are looked at when nothing arrives, ms */
  readonly mailboxPollMs: number;
  /** DATAMER_SECRET_KEY, the key of mailbox secrets; null: the key file is used */
  readonly secretKey: Buffer | null;
  /** where the key is kept when DATAMER_SECRET_KEY is not set; made on first use */
  readonly secretKeyFile: string;
  /** the fence's time budgets, ms, and how often process-pending tries a message */
  readonly fence: { readonly parseTimeoutMs: number; readonly classifyTimeoutMs: number; readonly pendingAttempts: number };
  /** answers an hour to one user's replies that applied nothing; the next says DaTamer falls silent */
  readonly answersPerHour: number;
}

function fail(variable: string, problem: string): never {
  throw new DatamerError('CONFIG_INVALID', `${variable}: ${problem}`);
}

function readSecretFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    return fail(variable, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Both or neither: a half-configured feature is a mistake, not a default. */
function pair<T>(a: [string, T | undefined], b: [string, T | undefined]): [T, T] | null {
  if (a[1] === undefined && b[1] === undefined) return null;
  if (a[1] === undefined) fail(a[0], `must be set when ${b[0]} is set`);
  if (b[1] === undefined) fail(b[0], `must be set when ${a[0]} is set`);
  return [a[1], b[1]];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset: `FOO= npm start` should not be an error.
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    const got = SECRET_VARIABLES.has(variable) ? `${env[variable]!.length} characters` : JSON.stringify(env[variable]);
    fail(variable, `${issue.message}, got ${got}`);
  }
  const e = parsed.data;

  const tlsFiles = pair(['DATAMER_SMTP_TLS_KEY_FILE', e.DATAMER_SMTP_TLS_KEY_FILE], ['DATAMER_SMTP_TLS_CERT_FILE', e.DATAMER_SMTP_TLS_CERT_FILE]);
  const password =
    e.DATAMER_SMTP_AUTH_PASSWORD_FILE !== undefined
      ? readSecretFile('DATAMER_SMTP_AUTH_PASSWORD_FILE', e.DATAMER_SMTP_AUTH_PASSWORD_FILE).toString('utf8').trim()
      : e.DATAMER_SMTP_AUTH_PASSWORD;
  const auth = pair(['DATAMER_SMTP_AUTH_USER', e.DATAMER_SMTP_AUTH_USER], ['DATAMER_SMTP_AUTH_PASSWORD', password]);

  if (e.DATAMER_METRICS_TOKEN !== undefined && e.DATAMER_METRICS_TOKEN_FILE !== undefined) {
    fail('DATAMER_METRICS_TOKEN', 'set either DATAMER_METRICS_TOKEN or DATAMER_METRICS_TOKEN_FILE, not both');
  }
  const metricsToken =
    e.DATAMER_METRICS_TOKEN_FILE !== undefined ? readSecretFile('DATAMER_METRICS_TOKEN_FILE', e.DATAMER_METRICS_TOKEN_FILE).toString('utf8').trim() : e.DATAMER_METRICS_TOKEN ?? null;
  if (metricsToken !== null && metricsToken.length < 16) fail('DATAMER_METRICS_TOKEN_FILE', 'the token must have at least 16 characters (openssl rand -hex 16)');

  if (e.DATAMER_SECRET_KEY !== undefined && e.DATAMER_SECRET_KEY_FILE !== undefined) {
    fail('DATAMER_SECRET_KEY', 'set either DATAMER_SECRET_KEY or DATAMER_SECRET_KEY_FILE, not both');
  }

  // The default is the installation's own data directory, wherever the command is run from:
  // resolved against the current directory, `cd docs && npx datamer …` made a second, empty
  // database and a second key file. A value that is set is resolved as any path a user types.
  const dataDir = e.DATAMER_DATA_DIR !== undefined ? path.resolve(e.DATAMER_DATA_DIR) : path.join(projectRoot, 'data');
  const config: Config = {
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'datamer.sqlite')}`,
    databaseChosenBy: e.DATABASE_URL !== undefined ? 'DATABASE_URL' : e.DATAMER_DATA_DIR !== undefined ? 'DATAMER_DATA_DIR' : 'default',
    logLevel: e.DATAMER_LOG_LEVEL,
    smtp: {
      host: e.DATAMER_SMTP_HOST,
      port: e.DATAMER_SMTP_PORT,
      maxBytes: e.DATAMER_SMTP_MAX_BYTES,
      dataMemory: e.DATAMER_SMTP_DATA_MEMORY,
      spoolAboveBytes: e.DATAMER_SMTP_SPOOL_ABOVE,
      spoolDir: path.join(dataDir, 'smtp-spool'),
      maxClients: e.DATAMER_SMTP_MAX_CLIENTS,
      maxClientsPerAddress: e.DATAMER_SMTP_MAX_CLIENTS_PER_ADDRESS,
      storeWaitMs: e.DATAMER_SMTP_STORE_WAIT ? parseDuration(e.DATAMER_SMTP_STORE_WAIT)! : 60_000,
      dataTimeoutMs: e.DATAMER_SMTP_DATA_TIMEOUT ? parseDuration(e.DATAMER_SMTP_DATA_TIMEOUT)! : 10 * 60_000,
      trustedRelays: e.DATAMER_SMTP_TRUSTED_RELAYS === undefined ? DEFAULT_TRUSTED_RELAYS : e.DATAMER_SMTP_TRUSTED_RELAYS.trim() === 'none' ? [] : relayList(e.DATAMER_SMTP_TRUSTED_RELAYS),
      tls: tlsFiles && {
        key: readSecretFile('DATAMER_SMTP_TLS_KEY_FILE', tlsFiles[0]),
        cert: readSecretFile('DATAMER_SMTP_TLS_CERT_FILE', tlsFiles[1]),
      },
      auth: auth && { user: auth[0], password: auth[1] },
    },
    web: { host: e.DATAMER_WEB_HOST, port: e.DATAMER_WEB_PORT, trustProxy: parseTrustProxy(e.DATAMER_TRUST_PROXY)!, metricsToken },
    publicUrl: e.DATAMER_PUBLIC_URL ?? `http://${e.DATAMER_WEB_HOST}:${e.DATAMER_WEB_PORT}`,
    outgoingSmtpUrl: e.DATAMER_OUTGOING_SMTP_URL ?? null,
    jobs: ['1', 'true', 'yes', 'on'].includes(e.DATAMER_JOBS),
    grace: {
      hour: e.DATAMER_GRACE_HOUR ? parseDuration(e.DATAMER_GRACE_HOUR)! : DEFAULT_GRACE_MS.hour,
      day: e.DATAMER_GRACE_DAY ? parseDuration(e.DATAMER_GRACE_DAY)! : DEFAULT_GRACE_MS.day,
      month: e.DATAMER_GRACE_MONTH ? parseDuration(e.DATAMER_GRACE_MONTH)! : DEFAULT_GRACE_MS.month,
    },
    alerts: {
      groupWaitMs: e.DATAMER_ALERT_GROUP_WAIT ? parseDuration(e.DATAMER_ALERT_GROUP_WAIT)! : DEFAULT_ALERTS.groupWaitMs,
      repeatMs: e.DATAMER_ALERT_REPEAT ? parseDuration(e.DATAMER_ALERT_REPEAT)! : DEFAULT_ALERTS.repeatMs,
      holdBeforeCommit: e.DATAMER_TEST_HOLD === 'alert-mail-commit',
    },
    mailboxPollMs: e.DATAMER_MAILBOX_POLL ? parseDuration(e.DATAMER_MAILBOX_POLL)! : 10_000,
    secretKey: e.DATAMER_SECRET_KEY !== undefined ? parseSecretKey(e.DATAMER_SECRET_KEY) : null,
    secretKeyFile: e.DATAMER_SECRET_KEY_FILE !== undefined ? path.resolve(e.DATAMER_SECRET_KEY_FILE) : path.join(dataDir, 'secret.key'),
    fence: {
      parseTimeoutMs: e.DATAMER_PARSE_TIMEOUT ? parseDuration(e.DATAMER_PARSE_TIMEOUT)! : PARSE_TIMEOUT_MS,
      classifyTimeoutMs: e.DATAMER_CLASSIFY_TIMEOUT ? parseDuration(e.DATAMER_CLASSIFY_TIMEOUT)! : CLASSIFY_TIMEOUT_MS,
      pendingAttempts: e.DATAMER_PENDING_ATTEMPTS,
    },
    answersPerHour: e.DATAMER_ANSWERS_PER_HOUR,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A database URL fit for a log line or an error: the password never reaches the terminal. */
/**
 * Which database a URL names, for people: `SQLite /srv/datamer/data/datamer.sqlite` or
 * `PostgreSQL postgres://datamer:***@db/datamer`.
 */
export function describeDatabase(url: string): string {
  return url.startsWith('sqlite:') ? `SQLite ${url.replace(/^sqlite:/, '')}` : `PostgreSQL ${redactUrl(url)}`;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
