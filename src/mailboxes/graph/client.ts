// The Microsoft Graph client DaTamer uses for one mailbox: app-only tokens from MSAL (client
// credentials, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow),
// and @microsoft/microsoft-graph-client 3 with a middleware chain of DaTamer's own:
// - its own authentication step: the library's sends no Authorization header over plain http,
//   and every request must carry `Prefer: IdType="ImmutableId"` so that ids survive moves;
// - at most 4 requests at once (Graph's limit per app and mailbox, "Microsoft Graph throttling
//   limits": Outlook service);
// - the library's RetryHandler, which retries 429, 503 and 504 and honours Retry-After.
import { X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { DatamerError } from '../../errors.js';
import { LOGIN_URL, type GraphSettings } from './settings.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const MAX_CONCURRENT = 4;

/** A PEM file with the certificate and its private key, as `openssl req -x509 … -nodes` writes them. */
function certificateCredential(pem: string) {
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const privateKey = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certificate || !privateKey) {
    throw new DatamerError('INPUT_INVALID', 'the certificate file must hold the certificate and its private key, both in PEM (-----BEGIN CERTIFICATE----- and -----BEGIN PRIVATE KEY-----)');
  }
  const thumbprintSha256 = new X509Certificate(certificate).fingerprint256.replace(/:/g, '');
  return { thumbprintSha256, privateKey };
}

/**
 * MSAL's network calls, through fetch. The authority is always the public https one (MSAL
 * refuses anything else); where the settings name another login URL (a test server on
 * loopback), the calls go there instead.
 */
function networkClient(loginUrl: string): NonNullable<NonNullable<Configuration['system']>['networkClient']> {
  const target = (url: string) => (loginUrl === LOGIN_URL ? url : url.replace(LOGIN_URL, loginUrl));
  const send = async <T>(url: string, init: RequestInit) => {
    const response = await fetch(target(url), init);
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: text.slice(0, 200) };
    }
    return { headers, body: body as T, status: response.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, { method: 'GET', ...(options?.headers ? { headers: options.headers } : {}) }),
    sendPostRequestAsync: (url, options) => send(url, { method: 'POST', ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body !== undefined ? { body: options.body } : {}) }),
  };
}

export interface TokenSource {
  token(): Promise<string>;
  /** forget the cached token (Graph refused it) */
  forget(): void;
}

export function tokenSource(settings: GraphSettings, secret: string): TokenSource {
  const credential = settings.credential === 'secret' ? { clientSecret: secret } : { clientCertificate: certificateCredential(secret) };
  let app = (): ConfidentialClientApplication =>
    new ConfidentialClientApplication({
      auth: { clientId: settings.clientId, authority: `${LOGIN_URL}/${settings.tenantId}`, ...credential },
      system: { networkClient: networkClient(settings.loginUrl) },
    });
  let current = app();
  return {
    async token() {
      const result = await current.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      if (!result?.accessToken) throw new DatamerError('MAILBOX_AUTH', 'Microsoft Entra ID gave no access token', { permanent: false });
      return result.accessToken;
    },
    forget() {
      // A new application object starts with an empty token cache.
      current = app();
    },
  };
}

/** At most `limit` requests in flight; the others wait their turn, in order. */
class Limiter implements Middleware {
  private next: Middleware | undefined;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async execute(context: Context): Promise<void> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      await this.next!.execute(context);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Bearer token and immutable ids on every request. */
class Authenticate implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly tokens: TokenSource) {}
  async execute(context: Context): Promise<void> {
    const token = await this.tokens.token();
    const options = (context.options ??= {});
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set('Authorization', `Bearer ${token}`);
    const prefer = headers.get('Prefer');
    headers.set('Prefer', prefer ? `${prefer}, IdType="ImmutableId"` : 'IdType="ImmutableId"');
    options.headers = Object.fromEntries(headers.entries());
    await this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphClient(settings: GraphSettings, tokens: TokenSource): Client {
  const limiter = new Limiter(MAX_CONCURRENT);
  const authenticate = new Authenticate(tokens);
  // Up to 6 retries, Retry-After honoured (the library caps a wait at 180 s): a throttling storm longer than that is
  // the watcher's to wait out, with its backoff.
  const retry = new RetryHandler(new RetryHandlerOptions(3, 6));
  const http = new HTTPMessageHandler();
  // The limiter sits after the retries, so a request that waits out a 429 gives its place up.
  retry.setNext(limiter);
  limiter.setNext(authenticate);
  authenticate.setNext(http);
  return Client.initWithMiddleware({ baseUrl: `${settings.graphUrl}/`, defaultVersion: 'v1.0', middleware: retry, fetchOptions: {} });
}
