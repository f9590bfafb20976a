// HTML an attacker mails: DaTamer's own SMTP address takes it, stores it with its event and a
// note that its text is partial, and goes on answering everyone else meanwhile (issue 13, point 1).
import { expect } from 'chai';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../../src/config.js';
import { CLASSIFY_TIMEOUT_MS, configureFence, PARSE_TIMEOUT_MS } from '../../../src/ingest/parse-pool.js';
import { createSmtpListener, type SmtpListener } from '../../../src/mailboxes/smtp/listener.js';
import { addTenant } from '../../../src/tenants/tenants.js';
import { openTestDb, type TestDb } from '../../helpers/db.js';
import { COLSPAN_BOMB, NESTING_BOMB, WIDE_TABLE, within } from '../../helpers/hostile-corpus.js';
import { freePort } from '../../helpers/net.js';

const MISBEHAVING = path.resolve(__dirname, '../../helpers/misbehaving-parser.js');

/** Long enough for any machine to answer an ordinary message; far shorter than the bombs stalled it. */
const ANSWER_WAIT_MS = 20_000;

describe('hostile HTML through the SMTP listener', () => {
  let t: TestDb;
  let listener: SmtpListener;
  let port: number;

  beforeEach(async () => {
    t = await openTestDb();
    await addTenant(t.deps, { name: 'acme', address: 'alerts@acme.test' });
    port = await freePort();
    listener = createSmtpListener(t.deps, { ...loadConfig({}).smtp, host: '127.0.0.1', port });
    await listener.listen();
  });
  afterEach(async () => {
    await listener.close();
    await t.dispose();
  });

  const send = (mail: { subject: string; html?: string; text?: string; messageId: string }) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true } as never).sendMail({ from: 'attacker@example.org', to: 'alerts@acme.test', ...mail });

  const bombs: Array<[string, string, RegExp]> = [
    ['a 154-byte table cell spanning 100,000 columns', COLSPAN_BOMB, /table too large to lay out/],
    ['100 KB of unclosed <b><i><u>', NESTING_BOMB, /nested deeper than 200 levels/],
    ['a table 2,000 cells wide', WIDE_TABLE, /table too large to lay out/],
  ];
  for (const [name, html, note] of bombs) {
    it(`stores ${name} with its event, flagged, and answers an ordinary message sent meanwhile`, async () => {
      const bomb = send({ subject: ':warn: :org:attack: bomb', html, messageId: '<bomb@example.org>' });
      const ordinary = send({ subject: ':critical: :org:ops.db: replication broken', text: 'lag 900 s', messageId: '<ordinary@db1.example.com>' });
      expect((await within(ANSWER_WAIT_MS, ordinary, 'the ordinary message sent during the attack')).response).to.match(/^250 /);
      expect((await within(ANSWER_WAIT_MS, bomb, 'the bomb')).response).to.match(/^250 /);

      const { Message, EventMessage } = t.db.models;
      const stored = await Message.findOne({ where: { messageIdHeader: '<bomb@example.org>' } });
      // Its tags are in its subject: it is classified by them, and says its body's text is partial.
      expect(stored).to.deep.include({ severity: 'warn', org: 'attack' });
      expect(stored!.classificationNote).to.match(note);
      expect(await EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
      const other = await Message.findOne({ where: { messageIdHeader: '<ordinary@db1.example.com>' } });
      expect(other).to.deep.include({ severity: 'critical', org: 'ops.db', classificationNote: null });
    });
  }

  it('keeps 20 tag warnings of a 1 MB body of broken tags, and counts the rest', async () => {
    const info = await send({ subject: ':info: :org:attack: warnings', text: ':svr:! '.repeat(150_000), messageId: '<warnings@example.org>' });
    expect(info.response).to.match(/^250 /);
    const stored = await t.db.models.Message.findOne({ where: { messageIdHeader: '<warnings@example.org>' } });
    expect(stored!.tagWarnings).to.have.length(21);
    expect(stored!.tagWarnings![0]).to.deep.equal({ tag: ':svr:!', where: 'body', problem: '"!" is not a fully qualified domain name' });
    expect(stored!.tagWarnings![20]).to.deep.include({ tag: '', where: 'body' });
    // 1 MiB of the body is scanned: 149,796 broken tags, 20 of them kept.
    expect(stored!.tagWarnings![20]!.problem).to.equal('149776 more tag warnings not kept');
  });

  describe('when classification is stopped', () => {
    beforeEach(() => configureFence({ parseTimeoutMs: PARSE_TIMEOUT_MS, classifyTimeoutMs: 300 }, { script: MISBEHAVING }));
    afterEach(() => configureFence({ parseTimeoutMs: PARSE_TIMEOUT_MS, classifyTimeoutMs: CLASSIFY_TIMEOUT_MS }));

    const sendMisbehaving = (how: string, messageId: string) =>
      send({ subject: ':critical: :org:ops.db: slow', html: '<p>lag</p>', messageId, headers: { 'X-Parser-Test': how } } as never);

    it('classifies by tags alone a message whose classification runs out of time, with its event, and says so', async () => {
      const ordinary = send({ subject: ':info: :org:ops.web: fine', text: 'ok', messageId: '<fine@example.org>' });
      expect((await within(ANSWER_WAIT_MS, sendMisbehaving('spin-classify', '<slow@example.org>'), 'the slow message')).response).to.match(/^250 /);
      expect((await within(ANSWER_WAIT_MS, ordinary, 'the ordinary message sent meanwhile')).response).to.match(/^250 /);
      const stored = await t.db.models.Message.findOne({ where: { messageIdHeader: '<slow@example.org>' } });
      expect(stored).to.deep.include({ severity: 'critical', org: 'ops.db', classifiedBy: 'tag' });
      expect(stored!.classificationNote).to.equal('classified by its tags only, its HTML read without layout: its classification was stopped: it took longer than 0.3 s');
      expect(await t.db.models.EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
    });

    it('stores unclassified, with its event, a message that cannot be classified even by its tags, and says why', async () => {
      expect((await sendMisbehaving('spin-always', '<stuck@example.org>')).response).to.match(/^250 /);
      const stored = await t.db.models.Message.findOne({ where: { messageIdHeader: '<stuck@example.org>' } });
      expect(stored).to.deep.include({ severity: null, org: null, classifiedBy: 'none', subject: ':critical: :org:ops.db: slow' });
      expect(stored!.classifiedAt).not.to.equal(null);
      expect(stored!.classificationNote).to.equal(
        'not classified: its classification was stopped: it took longer than 0.3 s, and again without layout or rules (it took longer than 0.3 s)',
      );
      expect(await t.db.models.EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
    });

    it('classifies by tags alone a message whose classification takes its thread down', async () => {
      expect((await sendMisbehaving('die', '<crash@example.org>')).response).to.match(/^250 /);
      const stored = await t.db.models.Message.findOne({ order: [['id', 'DESC']] });
      // Parsing it takes the thread down too: it is stored raw, with the parse error, and its event.
      expect(stored!.parseError).to.equal('the parser thread stopped while reading this message (exit code 3)');
      expect(stored!.classificationNote).to.equal('classified by its tags only, its HTML read without layout: its classification was stopped: its thread stopped (exit code 3)');
      expect(await t.db.models.EventMessage.count({ where: { messageId: stored!.id } })).to.equal(1);
    });
  });
});
