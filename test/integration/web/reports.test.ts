// The reports, as a manager reads them in a real Chromium: a month of one tenant's mail and
// events, seeded here; every table of the report is checked against figures this test computes
// on its own from the rows (in JavaScript, with its own calendar), every CSV against its table,
// the charts against the figures, and another tenant's user sees none of it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { changeEvent } from '../../../src/events/change.js';
import { mergeEvents } from '../../../src/events/corrections.js';
import type { Event as EventRow, EventStatus } from '../../../models/index.js';
import { projectRoot } from '../../../src/paths.js';
import { addUser } from '../../../src/people/people.js';
import { setPassword } from '../../../src/people/passwords.js';
import { setPreferences } from '../../../src/people/preferences.js';
import { receive } from '../../../src/pipeline.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { createApp } from '../../../src/web/app.js';
import { docsScreenshot, launchBrowser } from '../../helpers/browser.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { closeServer, logIn, serve } from '../../helpers/site.js';

const ZONE = 'Europe/Paris';
/** October 2026 in Paris: from 2026-09-30T22:00Z (CEST) to 2026-10-31T23:00Z (CET, after 25 October). */
const NOW = new Date('2026-11-10T09:00:00Z');
const HOUR = 3_600_000;

/** A small deterministic random source (mulberry32), so the seeded month is the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The local day of an instant, by the browser-independent route this test trusts: Intl's en-CA date. */
const dayIn = (zone: string) => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (at: Date) => f.format(at);
};

type Value = string | number | null;
interface SeenTable {
  header: string[];
  rows: Array<Array<{ text: string; value: string }>>;
}

const SEVERITIES: Array<string | null> = ['critical', 'warn', 'info', null];
const SEV_NAME = (s: string | null) => (s === null ? 'unclassified' : s === 'warn' ? 'warning' : s);
const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** RFC 4180, as spreadsheets read it: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

interface Seeded {
  messages: Array<{ id: number; receivedAt: Date; severity: string | null; org: string | null; tool: string | null; fromAddress: string | null }>;
  events: Array<{ id: number; kind: string; status: string; severity: string | null; org: string | null; createdAt: Date; firstAssignedAt: Date | null; completedAt: Date | null; mergedIntoId: number | null }>;
  links: Array<{ eventId: number; messageId: number }>;
}

describe('the reports', function () {
  this.timeout(180_000);
  let t: TestDb;
  let browser: Browser;
  let server: Server;
  let baseURL: string;
  let acmeId: number;
  let globexId: number;
  const cspViolations: string[] = [];

  /** A month and a bit of acme's mail: seeded rows, plus Nagios mail through the real pipeline. */
  async function seed(tenantId: number, rnd: () => number, count: number, orgs: Array<string | null>, senders: string[]): Promise<void> {
    const { Message, Event, EventMessage } = t.db.models;
    const start = Date.parse('2026-09-28T00:00:00Z');
    const span = Date.parse('2026-11-04T00:00:00Z') - start;
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    // At the edges of the month in Paris, and on both sides of the clocks going back on 25 October.
    const fixed = ['2026-09-30T21:59:59.999Z', '2026-09-30T22:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-31T22:59:59.999Z', '2026-10-31T23:00:00.000Z'];
    const times = [...fixed.map((s) => Date.parse(s)), ...Array.from({ length: count - fixed.length }, () => start + Math.floor(rnd() * span))].sort((a, b) => a - b);
    let previous: { eventId: number; org: string | null; at: number } | null = null;
    for (const [i, at] of times.entries()) {
      const severity = pick(SEVERITIES);
      const org = pick(orgs);
      const m = await Message.create({
        tenantId, mailboxId: null, dedupKey: `seed-${tenantId}-${i}`, messageIdHeader: null, messageIdKey: null, fromAddress: pick(senders), toAddresses: [],
        subject: `seeded ${i}`, sentAt: null, receivedAt: new Date(at), text: null, html: null, raw: Buffer.from('x'), rawSize: 1, contentHash: 'h',
        parseError: null, source: 'replay', envelopeFrom: null, envelopeTo: [], severity, org, tool: pick(['zabbix', 'cron', 'zabbix', null]), classifiedAt: new Date(at),
      });
      // One message in three is folded into the previous event of its org, as correlation does.
      if (previous && previous.org === org && rnd() < 0.6 && at - previous.at < 6 * HOUR) {
        await EventMessage.create({ tenantId, eventId: previous.eventId, messageId: m.id, createdAt: new Date(at) });
        continue;
      }
      const roll = rnd();
      const firstAssignedAt = roll < 0.6 ? new Date(at + Math.floor(rnd() * 8 * HOUR)) : null;
      const completedAt = roll < 0.35 || (roll > 0.8 && roll < 0.9) ? new Date(Math.max(at, firstAssignedAt?.getTime() ?? at) + Math.floor(rnd() * 3 * 24 * HOUR)) : null;
      const assigned = firstAssignedAt !== null;
      // Some were handed on later: the time to assignment is to the first one, not assignedAt.
      const assignedAt = assigned ? new Date(firstAssignedAt.getTime() + (rnd() < 0.3 ? HOUR : 0)) : null;
      const status: EventStatus = completedAt ? 'completed' : assigned ? 'assigned' : 'open';
      const e: EventRow = await Event.create({
        tenantId, kind: 'message', status, title: `seeded ${i}`, severity, org, servers: [],
        triage: org === null, assigneeId: null, createdAt: new Date(at), assignedAt, firstAssignedAt, completedAt, streamId: null, detail: null,
      });
      await EventMessage.create({ tenantId, eventId: e.id, messageId: m.id, createdAt: new Date(at) });
      previous = { eventId: e.id, org, at };
    }
    // Schedule alerts: a stream went quiet or too loud; most closed themselves later.
    for (let i = 0; i < 9; i++) {
      const at = start + Math.floor(rnd() * span);
      const completedAt = i % 3 === 2 ? null : new Date(at + Math.floor(rnd() * 30 * HOUR));
      await Event.create({
        tenantId, kind: i % 2 ? 'schedule-excess' : 'schedule-missing', status: completedAt ? 'completed' : 'open', title: `stream ${i}`, severity: 'warn', org: pick(orgs),
        servers: [], triage: false, assigneeId: null, createdAt: new Date(at), assignedAt: null, completedAt, streamId: null, detail: {},
      });
    }
  }

  async function rowsOf(tenantId: number): Promise<Seeded> {
    const { Message, Event, EventMessage } = t.db.models;
    return {
      messages: (await Message.findAll({ where: { tenantId } })).map((m) => ({ id: m.id, receivedAt: m.receivedAt, severity: m.severity, org: m.org, tool: m.tool, fromAddress: m.fromAddress })),
      events: (await Event.findAll({ where: { tenantId } })).map((e) => ({
        id: e.id, kind: e.kind, status: e.status, severity: e.severity, org: e.org, createdAt: e.createdAt, firstAssignedAt: e.firstAssignedAt, completedAt: e.completedAt,
        mergedIntoId: e.mergedIntoId ?? null,
      })),
      links: (await EventMessage.findAll({ where: { tenantId } })).map((l) => ({ eventId: l.eventId, messageId: l.messageId })),
    };
  }

  before(async () => {
    t = await openTestDb(new Date('2026-10-03T10:00:00Z'));
    const acme = await addTenant(t.deps, { name: 'acme', displayName: 'Acme Ops', address: 'ops@acme.test' });
    const globex = await addTenant(t.deps, { name: 'globex', address: 'alerts@globex.test' });
    acmeId = acme.tenant.id;
    globexId = globex.tenant.id;
    await addUser(t.deps, acmeId, { email: 'alice@acme.test', handle: 'alice', displayName: 'Alice' });
    await addUser(t.deps, acmeId, { email: 'bob@acme.test', handle: 'bob', displayName: 'Bob' });
    await setPassword(t.deps, acmeId, 'alice', 'alice reads the reports');
    await setPreferences(t.deps, acmeId, 'alice', { timeZone: ZONE });
    await addUser(t.deps, globexId, { email: 'gus@globex.test', handle: 'gus' });
    await setPassword(t.deps, globexId, 'gus', 'gus at globex ops');

    // Nagios mail through the real pipeline: its tool pack is recorded on the message, and
    // assigning, giving back and assigning again keeps the first assignment's time.
    const nagios = readFileSync(path.join(projectRoot, 'fixtures', 'emails', 'nagios', 'service-problem-critical.eml'));
    for (let i = 0; i < 3; i++) {
      const raw = Buffer.from(nagios.toString('latin1').replace(/^Message-Id: <([^>]+)>/im, `Message-Id: <${i}.$1>`).replace('Disk /var', `Disk /var${i}`), 'latin1');
      const [received] = await receive(t.deps, [{ tenantId: acmeId, mailboxId: acme.mailbox.id, raw, source: 'smtp' }]);
      const link = await t.db.models.EventMessage.findOne({ where: { messageId: (received as { messageId: number }).messageId } });
      t.clock.advance(10 * 60_000);
      await changeEvent(t.deps, acmeId, link!.eventId, { command: 'assign', handle: 'bob', actor: 'bob', via: 'cli' });
      t.clock.advance(10 * 60_000);
      await changeEvent(t.deps, acmeId, link!.eventId, { command: 'unassign', actor: 'bob', via: 'cli' });
      t.clock.advance(10 * 60_000);
      await changeEvent(t.deps, acmeId, link!.eventId, { command: 'assign', handle: 'alice', actor: 'alice', via: 'cli' });
      t.clock.advance(HOUR);
    }

    const acmeOrgs = ['acme.db.pg', 'acme.db.mysql', 'acme.web', 'acme.web.cdn', '-x.cmd', null];
    const senders = ['cron@db1.acme.test', 'zabbix@mon.acme.test', '=HYPERLINK("http://evil.test")@x.test', 'backup, nightly <b@acme.test>', '@sum@acme.test', 'nagios@mon1.example.test'];
    await seed(acmeId, random(42), 420, acmeOrgs, senders);
    await seed(globexId, random(7), 60, ['globex.pay', null], ['alerts@globex.test']);
    t.clock.set(NOW);

    // History changes after the fact, and the report follows: engineers merge events (the
    // merged-away event counts nowhere, its messages in the other's), complete and reopen
    // events, messages are classified anew, and mail arrives today.
    const october = (await t.db.models.Event.findAll({ where: { tenantId: acmeId, kind: 'message' }, order: [['id', 'ASC']] }))
      .filter((e) => e.createdAt >= new Date('2026-10-02T00:00:00Z') && e.createdAt < new Date('2026-10-30T00:00:00Z'));
    const into = october.filter((e) => e.status !== 'completed').slice(0, 6);
    const from = october.filter((e) => !into.includes(e)).slice(0, 6);
    for (let i = 0; i < 6; i++) await mergeEvents(t.deps, acmeId, from[i]!.id, into[i]!.id, { actor: 'alice', via: 'cli', reason: 'one incident' });
    const completedOnes = october.filter((e, i) => i > 50 && e.status === 'completed' && !from.includes(e)).slice(0, 3);
    for (const e of completedOnes) await changeEvent(t.deps, acmeId, e.id, { command: 'reopen', actor: 'bob', via: 'cli' });
    const openOnes = october.filter((e, i) => i > 50 && e.status !== 'completed' && !into.includes(e)).slice(0, 3);
    for (const e of openOnes) await changeEvent(t.deps, acmeId, e.id, { command: 'complete', actor: 'bob', via: 'cli' });
    const someMessages = await t.db.models.Message.findAll({ where: { tenantId: acmeId }, order: [['id', 'ASC']], limit: 40 });
    for (const m of someMessages.filter((m, i) => i % 4 === 1 && m.tool !== 'nagios')) {
      await t.db.models.Message.update({ org: 'acme.db.pg', severity: 'critical', tool: 'cron' }, { where: { tenantId: acmeId, id: m.id } });
    }
    const nagiosToday = readFileSync(path.join(projectRoot, 'fixtures', 'emails', 'nagios', 'service-problem-critical.eml'), 'latin1');
    for (let i = 0; i < 2; i++) {
      t.clock.set(new Date(NOW.getTime() - (i + 1) * HOUR));
      const raw = Buffer.from(nagiosToday.replace(/^Message-Id: <([^>]+)>/im, `Message-Id: <today${i}.$1>`).replace('Disk /var', `Disk /today${i}`), 'latin1');
      await receive(t.deps, [{ tenantId: acmeId, mailboxId: acme.mailbox.id, raw, source: 'smtp' }]);
    }
    t.clock.set(NOW);

    const served = await serve(createApp(t.deps));
    server = served.server;
    baseURL = served.baseURL;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await closeServer(server);
    await t?.dispose();
  });

  async function loggedIn(tenant = 'acme', login = 'alice', password = 'alice reads the reports'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    expect(await logIn(page, tenant, login, password)).to.equal(200);
    return { context, page };
  }

  const tableOf = (page: Page, id: string): Promise<SeenTable> =>
    page.$eval(`table[data-table="${id}"]`, (table) => ({
      header: [...table.querySelectorAll('thead th')].map((th) => th.textContent!.trim()),
      rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => ({ text: td.textContent!.trim(), value: td.getAttribute('data-value') ?? '' }))),
    }));

  /** The figures of every table, computed here from the rows alone. */
  function expected(rows: Seeded, from: string, to: string, zone: string, orgPattern: string | null): Record<string, Value[][]> {
    const day = dayIn(zone);
    const inRange = (at: Date) => day(at) >= from && day(at) <= to;
    const orgOk = (org: string | null) =>
      orgPattern === null || (org !== null && (orgPattern === '*' || (orgPattern.endsWith('.*') ? org === orgPattern.slice(0, -2) || org.startsWith(orgPattern.slice(0, -1)) : org === orgPattern)));
    const messages = rows.messages.filter((m) => inRange(m.receivedAt) && orgOk(m.org));
    // An event merged into another is not an event of its own: its messages count in the other's.
    const events = rows.events.filter((e) => e.mergedIntoId === null && inRange(e.createdAt) && orgOk(e.org));
    const share = (n: number) => (messages.length === 0 ? null : round(n / messages.length, 4));
    const countBy = <T>(xs: T[], key: (x: T) => string | null) => {
      const m = new Map<string | null, number>();
      for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
      return m;
    };
    const days: string[] = [];
    for (let d = new Date(`${from}T12:00:00Z`); d.toISOString().slice(0, 10) <= to; d = new Date(d.getTime() + 24 * HOUR)) days.push(d.toISOString().slice(0, 10));
    const perDayM = countBy(messages, (m) => day(m.receivedAt));
    const perDayE = countBy(events, (e) => day(e.createdAt));
    const listed = (m: Map<string | null, number>, none: string, limit = Infinity): Value[][] =>
      [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] === null ? 1 : b[0] === null ? -1 : a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([k, n]) => [k ?? none, n, share(n)]);
    const eventsOf = (pred: (e: Seeded['events'][number]) => boolean) => events.filter(pred);
    const stats = (xs: number[]): Value[] =>
      xs.length === 0 ? [0, null, null, null, null] : [xs.length, round(Math.min(...xs), 3), round(median(xs), 3), round(xs.reduce((a, b) => a + b, 0) / xs.length, 3), round(Math.max(...xs), 3)];
    const secondsTo = (e: Seeded['events'][number], end: Date | null) => (end!.getTime() - e.createdAt.getTime()) / 1000;
    const messageEvents = events.filter((e) => e.kind === 'message');
    const ids = new Set(messageEvents.map((e) => e.id));
    const folded = rows.links.filter((l) => ids.has(l.eventId)).length;
    const buckets = [300, 900, 3600, 14_400, 86_400, 604_800];
    const bucketOf = (s: number) => { const i = buckets.findIndex((b) => s < b); return i === -1 ? buckets.length : i; };
    const distribution = (end: 'firstAssignedAt' | 'completedAt') => {
      const counts = new Array<number>(buckets.length + 1).fill(0);
      for (const e of events) if (e[end]) counts[bucketOf(secondsTo(e, e[end]))]!++;
      return counts;
    };
    const assign = distribution('firstAssignedAt');
    const complete = distribution('completedAt');
    const orgEvents = [...countBy(events, (e) => e.org).entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] === null ? 1 : b[0] === null ? -1 : a[0] < b[0] ? -1 : 1)).slice(0, 25)
      .map(([org]) => { const of = events.filter((e) => e.org === org); const open = of.filter((e) => e.status !== 'completed').length; return [org ?? '(unclassified)', of.length, open, of.length - open]; });
    return {
      'per-day': days.map((d) => [d, perDayM.get(d) ?? 0, perDayE.get(d) ?? 0]),
      'messages-by-severity': SEVERITIES.map((s) => { const n = messages.filter((m) => m.severity === s).length; return [SEV_NAME(s), n, share(n)]; }),
      'messages-by-org': listed(countBy(messages, (m) => m.org), '(unclassified)', 25),
      'messages-by-tool': listed(countBy(messages, (m) => m.tool), '(no tool pack recognised it)'),
      'noisiest-senders': listed(countBy(messages, (m) => m.fromAddress), '(no sender)', 20),
      'events-by-severity': SEVERITIES.map((s) => { const of = eventsOf((e) => e.severity === s); const open = of.filter((e) => e.status !== 'completed').length; return [SEV_NAME(s), of.length, open, of.length - open]; }),
      'events-by-org': orgEvents,
      'events-by-status': [['open, unassigned', eventsOf((e) => e.status === 'open').length], ['open, assigned', eventsOf((e) => e.status === 'assigned').length], ['completed', eventsOf((e) => e.status === 'completed').length]],
      'noise-reduction': [[folded, messageEvents.length, folded - messageEvents.length, messageEvents.length ? round(folded / messageEvents.length, 2) : null, folded ? round(1 - messageEvents.length / folded, 4) : null]],
      'time-to-assignment': SEVERITIES.map((s) => {
        const of = eventsOf((e) => e.severity === s);
        return [SEV_NAME(s), ...stats(of.filter((e) => e.firstAssignedAt).map((e) => secondsTo(e, e.firstAssignedAt))),
          of.filter((e) => !e.firstAssignedAt && e.status !== 'completed').length, of.filter((e) => !e.firstAssignedAt && e.status === 'completed').length];
      }),
      'time-to-completion': SEVERITIES.map((s) => {
        const of = eventsOf((e) => e.severity === s);
        return [SEV_NAME(s), ...stats(of.filter((e) => e.completedAt).map((e) => secondsTo(e, e.completedAt))), of.filter((e) => e.status !== 'completed').length];
      }),
      'delay-distribution': ['under 5 min', '5 to 15 min', '15 min to 1 h', '1 to 4 h', '4 to 24 h', '1 to 7 days', '7 days or more'].map((label, i) => [label, assign[i]!, complete[i]!]),
      'schedule-alerts': (['schedule-missing', 'schedule-excess'] as const).map((kind) => {
        const of = eventsOf((e) => e.kind === kind);
        return [kind === 'schedule-missing' ? 'missing (went quiet)' : 'excess (too loud)', of.length, ...stats(of.filter((e) => e.completedAt).map((e) => secondsTo(e, e.completedAt))), of.filter((e) => e.status !== 'completed').length];
      }),
    };
  }

  /** A table as seen equals the figures: texts as they are, numbers to the millisecond. */
  function expectTable(id: string, seen: SeenTable, figures: Value[][]): void {
    const values = seen.rows.map((r) => r.map((c) => c.value));
    expect(values.length, `${id}: rows`).to.equal(figures.length);
    // Rows with the same count may come in any order from the database's collation: compare as sorted lists.
    const key = (r: Value[]) => JSON.stringify(r[0]);
    const sortedFigures = [...figures].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const sortedValues = [...values].sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
    sortedFigures.forEach((row, r) => {
      row.forEach((want, c) => {
        const got = sortedValues[r]![c]!;
        const where = `${id}, row ${JSON.stringify(row[0])}, column ${seen.header[c]}`;
        if (want === null) expect(got, where).to.equal('');
        else if (typeof want === 'string') expect(got, where).to.equal(want);
        else expect(Number(got), where).to.be.closeTo(want, 0.0011);
      });
    });
    // Most first: the counts (second column) never go up down the table, except the days' and the fixed lists'.
    if (['messages-by-org', 'messages-by-tool', 'noisiest-senders', 'events-by-org'].includes(id)) {
      const counts = values.map((r) => Number(r[1]));
      expect(counts, `${id}: most first`).to.deep.equal([...counts].sort((a, b) => b - a));
    }
  }

  it("reports last month in the reader's time zone exactly as the rows add up, table by table, with charts that need no script", async () => {
    const rows = await rowsOf(acmeId);
    // The real pipeline recorded the Nagios mail's tool pack, and its first assignment.
    const octoberNagios = rows.messages.filter((m) => m.tool === 'nagios' && m.receivedAt < new Date('2026-11-01T00:00:00Z'));
    expect(octoberNagios).to.have.length(3);
    const nagiosIds = new Set(octoberNagios.map((m) => m.id));
    const nagiosEventIds = new Set(rows.links.filter((l) => nagiosIds.has(l.messageId)).map((l) => l.eventId));
    const nagiosEvents = rows.events.filter((e) => nagiosEventIds.has(e.id));
    expect(nagiosEvents.map((e) => (e.firstAssignedAt!.getTime() - e.createdAt.getTime()) / 60_000)).to.deep.equal([10, 10, 10]);

    const { context, page } = await loggedIn();
    try {
      await page.click('header nav a[href="/reports"]');
      await page.click('a[data-preset="last-month"]');
      expect(new URL(page.url()).search).to.equal('?range=last-month');
      expect(await page.locator('#report-scope').innerText()).to.contain('From 2026-10-01 to 2026-10-31 (whole days, Europe/Paris)');
      const figures = expected(rows, '2026-10-01', '2026-10-31', ZONE, null);
      const ids = await page.$$eval('table[data-table]', (ts) => ts.map((t) => t.getAttribute('data-table')!));
      expect(ids).to.deep.equal(Object.keys(figures));
      for (const id of ids) expectTable(id, await tableOf(page, id), figures[id]!);

      // The edges: a message at 00:00 on 1 October in Paris counts, one a millisecond before does not;
      // 25 October has both 02:30s (the clocks went back).
      const days = (await tableOf(page, 'per-day')).rows;
      expect(days).to.have.length(31);
      expect(await page.locator('[data-figure=messages]').innerText()).to.equal(String(figures['per-day']!.reduce((n, r) => n + (r[1] as number), 0)));

      // Charts: one bar per day and series, each as tall as its figure; the events-by-severity bars.
      const bars = await page.$$eval('#chart-per-day rect.bar', (rs) => rs.map((r) => [r.getAttribute('data-category'), r.getAttribute('data-series'), Number(r.getAttribute('data-value'))]));
      expect(bars).to.deep.equal(figures['per-day']!.flatMap((r) => [[r[0], 'MSEs received', r[1]], [r[0], 'events created', r[2]]]));
      const severityBars = await page.$$eval('#chart-events-by-severity rect.bar', (rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
      expect(severityBars).to.deep.equal(figures['events-by-severity']!.map((r) => r[1]));
      const delayBars = await page.$$eval('#chart-delays rect.bar', (rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
      expect(delayBars).to.deep.equal(figures['delay-distribution']!.flatMap((r) => [r[1], r[2]]));
      expect(await page.locator('#chart-per-day').isVisible()).to.equal(true);
      expect(cspViolations).to.deep.equal([]);
      await docsScreenshot(page, 'reports', { fullPage: false });
    } finally {
      await context.close();
    }
  });

  it('reports a range over a whole month and days around it exactly as the rows add up (the month from its own rollup on PostgreSQL)', async () => {
    const rows = await rowsOf(acmeId);
    const { context, page } = await loggedIn();
    try {
      await page.goto('/reports?from=2026-09-28&to=2026-11-03');
      expect(await page.locator('#report-scope').innerText()).to.contain('From 2026-09-28 to 2026-11-03');
      const figures = expected(rows, '2026-09-28', '2026-11-03', ZONE, null);
      for (const id of Object.keys(figures)) expectTable(id, await tableOf(page, id), figures[id]!);
      await page.goto('/reports?from=2026-09-28&to=2026-11-03&org=acme.db.*');
      const narrowed = expected(rows, '2026-09-28', '2026-11-03', ZONE, 'acme.db.*');
      for (const id of Object.keys(narrowed)) expectTable(id, await tableOf(page, id), narrowed[id]!);
    } finally {
      await context.close();
    }
  });

  it('gives every table as CSV, equal to the table, quoted and with formulas defused', async () => {
    const { context, page } = await loggedIn();
    try {
      await page.goto('/reports?range=last-month');
      const links = await page.$$eval('a.csv', (as) => as.map((a) => a.getAttribute('href')!));
      expect(links).to.have.length(13);
      for (const href of links) {
        const id = /^\/reports\/([a-z-]+)\.csv\?range=last-month$/.exec(href)![1]!;
        const response = await page.request.get(href);
        expect(response.headers()['content-type']).to.equal('text/csv; charset=utf-8');
        expect(response.headers()['content-disposition']).to.equal(`attachment; filename="datamer-acme-${id}-2026-10-01-to-2026-10-31.csv"`);
        const body = await response.text();
        expect(body.endsWith('\r\n')).to.equal(true);
        const [header, ...rows] = parseCsv(body);
        const seen = await tableOf(page, id);
        expect(header!.map((h) => h.replace(/ \((seconds|ratio)\)$/, ''))).to.deep.equal(seen.header);
        // A cell a spreadsheet would run as a formula starts with an apostrophe in the CSV, and only there.
        expect(rows).to.deep.equal(seen.rows.map((r) => r.map((c) => (/^[=+\-@]/.test(c.value) ? `'${c.value}` : c.value))));
        if (id === 'noisiest-senders') {
          expect(body).to.contain(`"'=HYPERLINK(""http://evil.test"")@x.test"`);
          expect(body).to.contain(`"backup, nightly <b@acme.test>"`);
          expect(body).to.contain(`'@sum@acme.test`);
        }
        if (id === 'messages-by-org') expect(body).to.match(/\r\n'-x\.cmd,/);
      }
    } finally {
      await context.close();
    }
  });

  it('narrows to an org pattern and to dates of its own, all kept in the address', async () => {
    const rows = await rowsOf(acmeId);
    const { context, page } = await loggedIn();
    try {
      await page.goto('/reports?range=last-month');
      await page.fill('#report-filters input[name=from]', '2026-10-20');
      await page.fill('#report-filters input[name=to]', '2026-11-02');
      await page.fill('#report-filters input[name=org]', 'acme.db.*');
      await Promise.all([page.waitForNavigation(), page.click('#report-filters button[type=submit]')]);
      expect(new URL(page.url()).search).to.equal('?from=2026-10-20&to=2026-11-02&org=acme.db.*');
      const figures = expected(rows, '2026-10-20', '2026-11-02', ZONE, 'acme.db.*');
      for (const id of Object.keys(figures)) expectTable(id, await tableOf(page, id), figures[id]!);
      expect((await tableOf(page, 'messages-by-org')).rows.map((r) => r[0]!.value).sort()).to.deep.equal(['acme.db.mysql', 'acme.db.pg']);

      // The same address again (a bookmark): the same report; the presets keep the org.
      const bookmarked = await (await context.newPage()).goto(page.url());
      expect(await bookmarked!.text()).to.contain('data-table="per-day"');
      expect(await page.getAttribute('a[data-preset="last-7-days"]', 'href')).to.equal('/reports?range=last-7-days&org=acme.db.*');
      await page.click('a[data-preset="last-7-days"]');
      expect(await page.locator('#report-scope').innerText()).to.contain('From 2026-11-04 to 2026-11-10');

      // The last 7 days end today, with what has arrived so far: exact too.
      await page.goto('/reports?range=last-7-days');
      const week = expected(rows, '2026-11-04', '2026-11-10', ZONE, null);
      for (const id of Object.keys(week)) expectTable(id, await tableOf(page, id), week[id]!);
      expect((await tableOf(page, 'per-day')).rows.at(-1)![1]!.value).to.equal('2');

      // What cannot be read is said, and the default used.
      await page.goto('/reports?from=2026-02-30&to=2026-03-01&org=Bad%20Org');
      expect(await page.locator('#report-problems').innerText()).to.contain('from "2026-02-30"');
      expect(await page.locator('#report-problems').innerText()).to.contain('org "bad org"');
      expect(await page.locator('#report-scope').innerText()).to.contain('From 2026-10-12 to 2026-11-10');
    } finally {
      await context.close();
    }
  });

  it("shows another tenant's user only their own figures, even with the first tenant's org in the pattern", async () => {
    const globexRows = await rowsOf(globexId);
    const { context, page } = await loggedIn('globex', 'gus', 'gus at globex ops');
    try {
      await page.goto('/reports?range=last-month');
      const figures = expected(globexRows, '2026-10-01', '2026-10-31', 'UTC', null);
      for (const id of Object.keys(figures)) expectTable(id, await tableOf(page, id), figures[id]!);
      expect(await page.content()).not.to.contain('acme');

      await page.goto('/reports?range=last-month&org=acme.*');
      expect(await page.locator('[data-figure=messages]').innerText()).to.equal('0');
      expect(await page.locator('[data-figure=events]').innerText()).to.equal('0');
      for (const id of ['messages-by-org', 'messages-by-tool', 'noisiest-senders', 'events-by-org']) expect((await tableOf(page, id)).rows, id).to.deep.equal([]);
      const csv = await (await page.request.get('/reports/noisiest-senders.csv?range=last-month&org=acme.*')).text();
      expect(csv).to.equal('Sender,MSEs,Share (ratio)\r\n');
      const perDay = await (await page.request.get('/reports/per-day.csv?range=last-month')).text();
      expect(parseCsv(perDay).slice(1).reduce((n, r) => n + Number(r[1]), 0)).to.equal(globexRows.messages.filter((m) => dayIn('UTC')(m.receivedAt).startsWith('2026-10')).length);
      expect((await page.request.get('/reports/no-such-table.csv')).status()).to.equal(404);
    } finally {
      await context.close();
    }
  });
});
