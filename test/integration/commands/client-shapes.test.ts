// Replies as real mail clients shape them (fixtures/replies: Outlook desktop, web and German,
// Gmail text+HTML and HTML-only, Apple Mail, iPhone, Thunderbird bottom-posting, signatures),
// pointed at this test's users and events and sent to DaTamer's listener: the engineer's own
// lines act; the quoted message, the client's reply header and the signature never do.
import { expect } from 'chai';
import { changeEvent } from '../../../src/events/change.js';
import { audienceFor } from '../../../src/people/people.js';
import {
  activitiesOf,
  addPerson,
  addTestTenant,
  eachMseItsOwnEvent,
  answerTo,
  eventNow,
  fixtureReply,
  freshId,
  handleOf,
  openCommandWorld,
  raiseEvent,
  replyAddressOf,
  sendReply,
  type CommandWorld,
  type TestTenant,
} from './command-world.js';

type Setup = 'open' | 'assigned' | 'completed';

interface Shape {
  fixture: string;
  client: string;
  /** who writes the reply */
  handle: string;
  setup: Setup;
  /** the engineer's lines, as DaTamer's answer lists them */
  lines: string[];
  /** a quoted "ASSIGN bob" is slipped into the quote: it must not be read */
  quote?: (eml: string) => string;
  check: (event: { status: string; assignee: string | null; note: string | null }) => void;
  /** what else the commands changed */
  alsoCheck?: (w: CommandWorld, tenantId: number) => Promise<void>;
}

// Where the fixtures quote DaTamer's mail, a line that would act if it were read.
const QUOTED_TEXT = (eml: string) => eml.replace('> Reply with a command on the first line', '> ASSIGN bob\r\n> Reply with a command on the first line');
const OUTLOOK_ORIGINAL = (eml: string) => eml.replace('\r\nReply with a command on the first line', '\r\nASSIGN bob\r\nReply with a command on the first line');
const QUOTED_HTML = (eml: string) => eml.replace('<p>Event <b>E1042</b>', '<p>ASSIGN bob</p><p>Event <b>E1042</b>');

const SHAPES: Shape[] = [
  {
    fixture: 'outlook-web',
    client: 'Outlook on the web (HTML and text, the original below a line of underscores)',
    handle: 'bob',
    setup: 'open',
    lines: ['ASSIGN'],
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'bob' }),
  },
  {
    fixture: 'outlook-desktop-text',
    client: 'Outlook desktop, plain text ("-----Original Message-----")',
    handle: 'bob',
    setup: 'assigned',
    lines: ['DONE restarted bareos-fd, the backup re-ran fine'],
    quote: OUTLOOK_ORIGINAL,
    check: (e) => expect(e).to.include({ status: 'completed', assignee: 'bob', note: 'restarted bareos-fd, the backup re-ran fine' }),
  },
  {
    fixture: 'outlook-german',
    client: 'Outlook desktop in German (Von:/Gesendet:/An:/Betreff:, ISO-8859-1)',
    handle: 'frank',
    setup: 'open',
    lines: ['ASSIGN @bob'],
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'bob' }),
  },
  {
    fixture: 'gmail',
    client: 'Gmail ("On … wrote:" wrapped over two lines)',
    handle: 'alice',
    setup: 'open',
    lines: ['ASSIGN alice'],
    quote: QUOTED_TEXT,
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'alice' }),
  },
  {
    fixture: 'gmail-html-only',
    client: 'Gmail, HTML only, with a signature',
    handle: 'carol',
    setup: 'completed',
    lines: ['REOPEN'],
    quote: QUOTED_HTML,
    // Reopened, back with carol who completed it: the quoted ASSIGN bob would have given it to bob.
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'carol' }),
  },
  {
    fixture: 'apple-mail',
    client: 'Apple Mail (two commands, the quote as "> " lines and a blockquote)',
    handle: 'dave',
    setup: 'assigned',
    lines: ['UNASSIGN', 'SUBSCRIBE infra.backup.* responder'],
    quote: QUOTED_TEXT,
    check: (e) => expect(e).to.include({ status: 'open', assignee: null }),
    alsoCheck: async (w, tenantId) => {
      const dave = (await w.db.models.User.findOne({ where: { tenantId, handle: 'dave' } }))!;
      expect((await audienceFor(w.deps, tenantId, 'infra.backup.nightly')).responders).to.include(dave.id);
    },
  },
  {
    fixture: 'iphone',
    client: 'iPhone Mail ("Sent from my iPhone")',
    handle: 'ivan',
    setup: 'open',
    lines: ['ASSIGN'],
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'ivan' }),
  },
  {
    fixture: 'thunderbird',
    client: 'Thunderbird, writing below the quote (format=flowed)',
    handle: 'erin',
    setup: 'assigned',
    lines: ['DONE freed 40 GB on db1:/var, backup re-run is green'],
    quote: QUOTED_TEXT,
    check: (e) => expect(e).to.include({ status: 'completed', assignee: 'erin', note: 'freed 40 GB on db1:/var, backup re-run is green' }),
  },
  {
    fixture: 'signature',
    client: 'Gmail in French, with a signature ("-- ") and "Le … a écrit :"',
    handle: 'grace',
    setup: 'open',
    lines: ['DONE disque remplacé sur db1, la sauvegarde est repartie'],
    quote: QUOTED_TEXT,
    check: (e) => expect(e).to.include({ status: 'completed', assignee: null, note: 'disque remplacé sur db1, la sauvegarde est repartie' }),
  },
  {
    fixture: 'two-commands',
    client: 'Gmail, two commands then "Thanks, Heidi"',
    handle: 'heidi',
    setup: 'open',
    lines: ['ASSIGN alice', 'RULE subject /backup failed on (?P<host>[a-z0-9.-]+)/ => org=infra.backup severity=critical svr=$host'],
    check: (e) => expect(e).to.include({ status: 'assigned', assignee: 'alice' }),
    alsoCheck: async (w, tenantId) => {
      const rule = await w.db.models.Rule.findOne({ where: { tenantId, createdBy: 'heidi' } });
      expect(rule, "heidi's rule").to.not.equal(null);
      expect(rule!.name).to.equal('email: subject /backup failed on (?P<host>[a-z0-9.-]+)/');
    },
  },
];

describe('replies shaped by real mail clients', function () {
  this.timeout(30_000);
  let w: CommandWorld;
  let acme: TestTenant;

  before(async () => {
    w = await openCommandWorld();
    acme = await addTestTenant(w, 'acme', 'ops@datamer.test');
    await eachMseItsOwnEvent(w, acme.id);
    for (const handle of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan']) await addPerson(w, acme.id, handle);
  });

  after(async () => {
    await w?.close();
  });

  for (const shape of SHAPES) {
    it(`${shape.client}: ${shape.lines.join(' + ')} acts${shape.quote ? ', the quoted ASSIGN bob does not' : ''}`, async () => {
      const mse = await raiseEvent(w, acme, `:critical: :org:infra.backup: Backup failed on db1.acme.test (${shape.fixture})`);
      if (shape.setup !== 'open') await changeEvent(w.deps, acme.id, mse.eventId, { command: 'assign', handle: shape.handle, actor: 'carol', via: 'cli' });
      if (shape.setup === 'completed') await changeEvent(w.deps, acme.id, mse.eventId, { command: 'complete', actor: 'carol', via: 'cli' });
      const before = (await activitiesOf(w, acme.id, mse.eventId)).length;

      const messageId = freshId(shape.fixture);
      let raw = fixtureReply(shape.fixture, {
        from: `${shape.handle}@acme.test`,
        to: await replyAddressOf(w, acme, shape.handle, mse.eventId),
        inReplyTo: mse.messageIdHeader,
        messageId,
      });
      if (shape.quote) {
        const changed = shape.quote(raw.toString('latin1'));
        expect(changed, 'the quoted ASSIGN bob was slipped in').to.contain('ASSIGN bob');
        raw = Buffer.from(changed, 'latin1');
      }
      await sendReply(w, raw);

      const answer = await answerTo(w, acme.id, messageId);
      // Exactly the engineer's lines were read, and each was carried out.
      const read = answer.text.split('\n').filter((l) => /^(NOT )?DONE {2}/.test(l));
      expect(read).to.deep.equal(shape.lines.map((l) => `DONE  ${l}`));
      const event = await eventNow(w, acme.id, mse.eventId);
      const activities = (await activitiesOf(w, acme.id, mse.eventId)).slice(before);
      for (const a of activities) expect(a).to.include({ via: 'email', actor: shape.handle });
      const completed = activities.find((a) => a.action === 'completed');
      shape.check({ status: event.status, assignee: await handleOf(w, event.assigneeId), note: (completed?.detail as { note?: string } | undefined)?.note ?? null });
      await shape.alsoCheck?.(w, acme.id);
    });
  }
});
