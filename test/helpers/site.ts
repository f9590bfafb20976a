// The companion site in tests: the app on a free loopback port, and logging in as a user does.
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import type { createApp } from '../../src/web/app.js';
import { freePort } from './net.js';

/** Serves the app on loopback, on `port` (chosen ahead when the app must know its own address) or a free one. */
export async function serve(app: ReturnType<typeof createApp>, port?: number): Promise<{ server: Server; baseURL: string }> {
  port ??= await freePort();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1');
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  return { server, baseURL: `http://127.0.0.1:${port}` };
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Fills in the login form and submits it; resolves once the next page has loaded. */
export async function logIn(page: Page, tenant: string, login: string, password: string): Promise<number> {
  await page.goto('/login');
  await page.fill('input[name=tenant]', tenant);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
  return response?.status() ?? 0;
}

/** Logs in as a browser would, without one: the form's CSRF token and its session cookie. Resolves to the logged-in cookie. */
export async function logInOverHttp(baseURL: string, tenant: string, login: string, password: string): Promise<string> {
  const form = await fetch(`${baseURL}/login`);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const body = new URLSearchParams({ _csrf: token, tenant, login, password, next: '/' });
  const res = await fetch(`${baseURL}/login`, { method: 'POST', body, headers: { cookie }, redirect: 'manual' });
  if (res.status !== 303) throw new Error(`login as ${login} of ${tenant} failed: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}
