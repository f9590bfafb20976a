// Rules an attacker (or a careless engineer) can write: refused when saved if they would cost too
// much; and whatever rules a tenant has, a slow match costs only the message it runs on, never the
// SMTP listener, and a rule set the engine cannot build still classifies (issue 13, points 2 and 3).
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { addRule } from '../../../src/classification/rule-store.js';
import { loadConfig } from '../../../src/config.js';
import { CLASSIFY_TIMEOUT_MS, configureFence, PARSE_TIMEOUT_MS } from '../../../src/ingest/parse-pool.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { abText, ALTERNATION_CHAIN, DFA_THRASHER, within } from '../../helpers/hostile-corpus.js';
import { freePort } from '../../helpers/net.js';

const ANSWER_WAIT_MS = 20_000;

describe('hostile rules', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;
  let tenantId: number;

  beforeEach(async () => {
    t = await openTestDb();
    tenantId = (await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' })).tenant.id;
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
  });
  afterEach(async () => {
    await listener.close();
    await t.dispose();
  });

  const send = (mail: { subject: string; text: string; messageId: string }) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true } as never).sendMail({ from: 'cron@db1.example.com', to: 'alerts@acme.test', ...mail });

  const add = (name: string, pattern: string, org = 'ops.attack') => addRule(t.deps, tenantId, { name, conditions: [{ field: 'body', pattern }], actions: { org } }, 'mallory');

  it('refuses, when saved, the rules that once stopped DaTamer, and says why in a few words', async () => {
    for (const [pattern, problem] of [
      [DFA_THRASHER, /too costly to match/],
      [ALTERNATION_CHAIN(20_000), /\(100000 characters\) is longer than 1000 characters/],
      ['', /an empty pattern matches every message/],
    ] as const) {
      const refused = await add('bomb', pattern).then(() => null, (err: Error) => err.message);
      expect(refused).to.match(problem);
      expect(refused!.length).to.be.lessThan(400);
    }
    expect(await t.db.models.Rule.count()).to.equal(0);
  });

  it('refuses a rule that would make the set of a field too costly, and keeps the others', async () => {
    const now = t.clock.now();
    // 250 rules of 79 characters each, which are fine alone and together: 19,750 of 20,000.
    await t.db.models.Rule.bulkCreate(
      Array.from({ length: 250 }, (_, i) => ({
        tenantId, name: `literal ${i}`, position: i + 1, enabled: true, conditions: [{ field: 'body' as const, pattern: `${String(i).padStart(5, '0')}${'x'.repeat(74)}` }],
        actions: { org: 'ops.attack' }, continue: false, override: false, createdBy: 'mallory', createdAt: now, updatedAt: now,
      })),
    );
    const refused = await add('one too many', `9999${'x'.repeat(400)}`).then(() => null, (err: Error) => err.message);
    expect(refused).to.match(/^rule "one too many" cannot be saved: the 251 enabled conditions on body would cost about \d+ steps per character together, at most 20000/);
    expect(await t.db.models.Rule.count()).to.equal(250);
  });

  describe('a slow match', () => {
    beforeEach(() => configureFence({ parseTimeoutMs: PARSE_TIMEOUT_MS, classifyTimeoutMs: 2_000 }));
    afterEach(() => configureFence({ parseTimeoutMs: PARSE_TIMEOUT_MS, classifyTimeoutMs: CLASSIFY_TIMEOUT_MS }));

    it('costs only its own message: an ordinary message sent meanwhile is answered, and the slow one is stored with its event', async () => {
      // Small enough to be saved, and each still makes RE2 build a state at nearly every character.
      for (let n = 12; n < 32; n++) {
        await add(`thrash a${n}`, `[ab]*a[ab]{${n}}$`);
        await add(`thrash b${n}`, `[ab]*b[ab]{${n}}x`);
      }
      const slow = send({ subject: ':warn: :org:ops.attack: slow', text: abText(1024 * 1024), messageId: '<slow@example.org>' });
      const ordinary = send({ subject: ':critical: :org:ops.db: replication broken', text: 'lag 900 s', messageId: '<ordinary@db1.example.com>' });
      expect((await within(ANSWER_WAIT_MS, ordinary, 'the ordinary message sent during the slow match')).response).to.match(/^250 /);
      expect((await within(ANSWER_WAIT_MS, slow, 'the slow message')).response).to.match(/^250 /);
      const stored = await t.db.models.Message.findOne({ where: { messageIdHeader: '<slow@example.org>' } });
      // Its tags classify it whether or not its rules finished within the budget.
      expect(stored).to.deep.include({ severity: 'warn', org: 'ops.attack' });
      expect(await t.db.models.EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
      expect(await t.db.models.Message.findOne({ where: { messageIdHeader: '<ordinary@db1.example.com>' } })).to.deep.include({ severity: 'critical', org: 'ops.db' });
    });
  });

  it('classifies by tags and by the rules that compile when the rule set of a field cannot be built as one', async () => {
    // Rows saved before rules were bounded: each compiles alone; the first two are too large for one RE2 set.
    const now = t.clock.now();
    for (const [name, pattern, org] of [['big y', 'y'.repeat(41_000), 'big.y'], ['big z', 'z'.repeat(41_000), 'big.z'], ['replication', 'replication', 'ops.db']]) {
      await t.db.models.Rule.create({ tenantId, name: name!, position: 1, enabled: true, conditions: [{ field: 'body', pattern: pattern! }], actions: { org: org! }, continue: false, override: false, createdBy: 'old', createdAt: now, updatedAt: now });
    }
    expect((await send({ subject: ':critical: broken', text: 'replication broken', messageId: '<repl@db1.example.com>' })).response).to.match(/^250 /);
    const stored = await t.db.models.Message.findOne({ where: { messageIdHeader: '<repl@db1.example.com>' } });
    expect(stored).to.deep.include({ severity: 'critical', org: 'ops.db', classificationNote: null });
    expect(await t.db.models.EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
  });
});
