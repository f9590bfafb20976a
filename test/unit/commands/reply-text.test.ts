import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_LINE_LENGTH, MAX_LINES, commandLines } from '../../../src/commands/reply-text.js';
import { parseMessage, type ParsedMessage } from '../../../src/ingest/parse.js';
import { projectRoot } from '../../../src/paths.js';

const REPLIES = path.join(projectRoot, 'fixtures', 'replies');
const reply = (name: string): Promise<ParsedMessage> => parseMessage(readFileSync(path.join(REPLIES, name)));
const text = (body: string) => commandLines({ text: body, html: null });
const html = (body: string) => commandLines({ text: null, html: body });

describe('the engineer\'s own lines of a reply', () => {
  describe('in replies as mail clients write them (fixtures/replies)', () => {
    const cases: Array<{ file: string; client: string; lines: string[]; htmlToo: boolean }> = [
      { file: 'outlook-web.eml', client: 'Outlook on the web (underscores, divRplyFwdMsg)', lines: ['ASSIGN'], htmlToo: true },
      { file: 'outlook-desktop-text.eml', client: 'Outlook desktop, plain text (-----Original Message-----)', lines: ['DONE restarted bareos-fd, the backup re-ran fine'], htmlToo: false },
      { file: 'outlook-german.eml', client: 'German Outlook desktop (Von/Gesendet/An/Betreff)', lines: ['ASSIGN @bob'], htmlToo: true },
      { file: 'gmail.eml', client: 'Gmail (attribution wrapped over two lines)', lines: ['ASSIGN alice'], htmlToo: true },
      { file: 'gmail-html-only.eml', client: 'Gmail-shaped HTML-only mail with a signature', lines: ['REOPEN'], htmlToo: true },
      { file: 'apple-mail.eml', client: 'Apple Mail (blockquote type=cite)', lines: ['UNASSIGN', 'SUBSCRIBE infra.backup.* responder'], htmlToo: true },
      { file: 'iphone.eml', client: 'iPhone Mail ("Sent from my iPhone")', lines: ['ASSIGN'], htmlToo: true },
      { file: 'thunderbird.eml', client: 'Thunderbird, reply below the quote, format=flowed, signature', lines: ['DONE freed 40 GB on db1:/var, backup re-run is green'], htmlToo: false },
      { file: 'signature.eml', client: 'French Gmail with a "-- " signature', lines: ['DONE disque remplacé sur db1, la sauvegarde est repartie'], htmlToo: true },
      {
        file: 'two-commands.eml',
        client: 'a top-posted reply with two commands and a greeting',
        lines: ['ASSIGN alice', 'RULE subject /backup failed on (?P<host>[a-z0-9.-]+)/ => org=infra.backup severity=critical svr=$host', 'Thanks,', 'Heidi'],
        htmlToo: true,
      },
    ];
    for (const { file, client, lines, htmlToo } of cases) {
      it(`reads only what the engineer wrote in ${client}`, async () => {
        const message = await reply(file);
        expect(message.parseError).to.equal(null);
        expect(commandLines(message)).to.deep.equal(lines);
        // The HTML alternative says the same: a client or relay that sends only HTML loses nothing.
        if (htmlToo) expect(html(message.html!)).to.deep.equal(lines);
        else expect(message.html).to.equal(null);
      });
    }
  });

  describe('in plain text', () => {
    const quote = '> Event E1042 :critical: Backup failed on db1.example.com\n> Org: infra.backup';
    const cases: Array<[string, string, string[]]> = [
      ['Gmail, attribution on one line', `ASSIGN\n\nOn Mon, 23 Nov 2026 at 08:00, Alice <a@x.test> wrote:\n\n${quote}`, ['ASSIGN']],
      ['Gmail, wrapped inside the address', `ASSIGN\n\nOn Mon, 23 Nov 2026 at 08:00, Alice Example <\nalice@example.com> wrote:\n\n${quote}`, ['ASSIGN']],
      ['Apple Mail', `DONE\n\nOn 23 Nov 2026, at 08:00, Alice <a@x.test> wrote:\n\n${quote}`, ['DONE']],
      ['Thunderbird, top-posted', `REOPEN\n\nOn 11/23/26 08:00, Alice wrote:\n${quote}`, ['REOPEN']],
      ['an older client: "Alice wrote:"', `UNASSIGN\n\nAlice Example <a@x.test> wrote:\n${quote}`, ['UNASSIGN']],
      ['German Gmail', `ASSIGN bob\n\nAm Mo., 23. Nov. 2026 um 08:00 Uhr schrieb Alice <a@x.test>:\n\n${quote}`, ['ASSIGN bob']],
      ['German Thunderbird', `ASSIGN bob\n\nAm 23.11.26 um 08:00 schrieb Alice:\n${quote}`, ['ASSIGN bob']],
      ['German Outlook', `DONE\n\nVon: Alice <a@x.test>\nGesendet: Montag, 23. November 2026 08:00\nAn: Bob <b@x.test>\nBetreff: backup\n\nEvent E1042`, ['DONE']],
      ['German Outlook separator', `DONE\n\n-----Ursprüngliche Nachricht-----\nVon: Alice <a@x.test>\n\nEvent E1042`, ['DONE']],
      ['French Gmail, NBSP before the colon', `DONE\n\nLe lun. 23 nov. 2026 à 08:00, Alice <a@x.test> a écrit\u00a0:\n\n${quote}`, ['DONE']],
      ['French Outlook', `DONE\n\nDe : Alice <a@x.test>\nEnvoyé : lundi 23 novembre 2026 08:00\nÀ : Bob <b@x.test>\nObjet : backup\n\nEvent E1042`, ['DONE']],
      ['Outlook for Mac (Date instead of Sent)', `ASSIGN\n\nFrom: Alice <a@x.test>\nDate: Monday, 23 November 2026 at 08:00\nTo: Bob <b@x.test>\nSubject: backup\n\nEvent E1042`, ['ASSIGN']],
      ['Outlook bold labels in a text part (*From:*)', `ASSIGN\n\n*From:* Alice <a@x.test>\n*Sent:* Monday, November 23, 2026 08:00\n\nEvent E1042`, ['ASSIGN']],
      ['Outlook on the web underscores', `ASSIGN\n________________________________\nFrom: Alice <a@x.test>\nEvent E1042`, ['ASSIGN']],
      ['a forwarded message', `ASSIGN carol\n\n---------- Forwarded message ---------\nFrom: Alice <a@x.test>\n\nEvent E1042`, ['ASSIGN carol']],
      ['a "-- " signature', 'DONE\n-- \nBob\n+49 30 1234567', ['DONE']],
      ['a signature delimiter whose space a server stripped', 'DONE\n--\nBob', ['DONE']],
      ['"Sent from my iPhone"', `ASSIGN\n\nSent from my iPhone\n\n${quote}`, ['ASSIGN']],
      ['"Von meinem iPhone gesendet"', 'ASSIGN\n\nVon meinem iPhone gesendet', ['ASSIGN']],
      ['"Get Outlook for Android"', 'ASSIGN\n\nGet Outlook for Android', ['ASSIGN']],
      ['Windows line endings', 'ASSIGN\r\nDONE\r\n\r\n> quoted', ['ASSIGN', 'DONE']],
      ['blank lines and indentation around the commands', '\n\n   ASSIGN alice   \n\n\n  DONE  \n\n', ['ASSIGN alice', 'DONE']],
      ['zero-width spaces and non-breaking spaces from an editor', '\u200bASSIGN\u00a0alice\ufeff', ['ASSIGN alice']],
      ['a bottom-posted reply under a nested quote', `On 11/23/26 08:00, Alice wrote:\n> > older\n> newer\n>\n\nDONE\nREOPEN\n\n> more quote\nASSIGN`, ['DONE', 'REOPEN']],
      ['a reply that is only a quote', `On 11/23/26 08:00, Alice wrote:\n${quote}\n`, []],
      ['an empty body', '', []],
      ['a "From:" line that starts no header block', 'From: the backup server, again\nASSIGN', ['From: the backup server, again', 'ASSIGN']],
    ];
    for (const [shape, body, lines] of cases) {
      it(`reads ${JSON.stringify(lines)} from ${shape}`, () => {
        expect(text(body)).to.deep.equal(lines);
      });
    }

    it('stops at the first quoted line even when the quote is nested', () => {
      expect(text('ASSIGN\n>>> deep\n> > > deeper\nDONE')).to.deep.equal(['ASSIGN']);
    });

    it('reads the HTML when the text part is blank', () => {
      expect(commandLines({ text: ' \n\n', html: '<p>DONE</p>' })).to.deep.equal(['DONE']);
    });

    it('nothing to read when there is neither text nor HTML', () => {
      expect(commandLines({ text: null, html: null })).to.deep.equal([]);
    });
  });

  describe('in HTML-only mail', () => {
    const cases: Array<[string, string, string[]]> = [
      ['a Gmail quote', '<div dir="ltr">ASSIGN</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Alice wrote:</div><blockquote class="gmail_quote">DONE</blockquote></div>', ['ASSIGN']],
      ['an Apple Mail quote', '<body>DONE<div><br><blockquote type="cite"><div>On 23 Nov 2026, at 08:00, Alice wrote:</div>ASSIGN</blockquote></div></body>', ['DONE']],
      ['a Thunderbird reply below the quote', '<body><div class="moz-cite-prefix">On 11/23/26 08:00, Alice wrote:<br></div><blockquote type="cite">ASSIGN</blockquote><p>DONE</p><pre class="moz-signature">-- \nErin</pre></body>', ['DONE']],
      ['Outlook on the web', '<body><div>ASSIGN</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Alice</div><div>DONE</div></body>', ['ASSIGN']],
      ['Outlook\'s divRplyFwdMsg without appendonsend', '<div>ASSIGN</div><div id="divRplyFwdMsg"><b>From:</b> Alice<br><b>Sent:</b> Monday</div><div>DONE</div>', ['ASSIGN']],
      ['Outlook desktop\'s header block (no id, only From/Sent)', '<p class=MsoNormal>DONE</p><div style="border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Alice<br><b>Sent:</b> Monday</p></div><p>ASSIGN</p>', ['DONE']],
      // The HTML structure marks the quote where the words of its header are in a language the
      // plain-text markers do not know.
      ['a Japanese Gmail quote', '<div dir="ltr">ASSIGN</div><div class="gmail_quote"><div class="gmail_attr">2026年11月23日(月) 8:00 Alice &lt;a@x.test&gt;:<br></div><div>DONE</div></div>', ['ASSIGN']],
      ['a Polish Outlook on the web reply', '<div>ASSIGN</div><div id="divRplyFwdMsg"><b>Od:</b> Alice<br><b>Wysłane:</b> poniedziałek</div><div>DONE</div>', ['ASSIGN']],
      ['a Gmail signature', '<div>REOPEN</div><div class="gmail_signature">UNASSIGN</div>', ['REOPEN']],
      ['paragraphs, line breaks and inline markup', '<p>ASSIGN <b>alice</b></p><p>DONE&nbsp;fixed&nbsp;it<br>REOPEN</p>', ['ASSIGN alice', 'DONE fixed it', 'REOPEN']],
      ['a link in a command', '<p>DONE see <a href="https://wiki.example.com/x">the runbook</a></p>', ['DONE see the runbook']],
      ['HTML entities in a rule', '<div>RULE subject /a&lt;b&gt;c/ =&gt; org=x</div>', ['RULE subject /a<b>c/ => org=x']],
    ];
    for (const [shape, body, lines] of cases) {
      it(`reads ${JSON.stringify(lines)} from ${shape}`, () => {
        expect(html(body)).to.deep.equal(lines);
      });
    }
  });

  describe('with hostile input', () => {
    it('returns at most MAX_LINES short lines from a 5 MB body without a quote', () => {
      const lines = text('ASSIGN alice\n'.repeat(400_000));
      expect(lines).to.have.length(MAX_LINES);
      expect(lines.every((l) => l === 'ASSIGN alice')).to.equal(true);
    });

    it('cuts a 5 MB line to one past the limit, so the grammar refuses it rather than act on part of it', () => {
      const [line, ...rest] = text(`RULE subject /${'a'.repeat(5 * 1024 * 1024)}/ => org=x`);
      expect(rest).to.deep.equal([]);
      expect(line).to.have.length(MAX_LINE_LENGTH + 1);
      expect(line!.endsWith('…')).to.equal(true);
    });

    it('reads only the top of a 5 MB HTML body', () => {
      const lines = html(`<html><head><style>${'p{}'.repeat(10_000)}</style></head><body>${'<p>DONE</p>'.repeat(500_000)}</body></html>`);
      expect(lines).to.have.length(MAX_LINES);
      expect(lines.every((l) => l === 'DONE')).to.equal(true);
    });

    it('survives HTML nested a hundred thousand levels deep', () => {
      const lines = html(`<p>ASSIGN</p>${'<div>'.repeat(100_000)}DONE${'</div>'.repeat(100_000)}`);
      expect(lines[0]).to.equal('ASSIGN');
      expect(lines.length).to.be.at.most(MAX_LINES);
    });

    it('never takes a command from a script, a style or an attribute', () => {
      const lines = html('<html><head><title>ASSIGN mallory</title><script>DONE</script></head><body><style>REOPEN{}</style><script type="text/javascript">UNASSIGN</script><div title="ASSIGN eve" data-x="DONE">HELP</div><noscript>REOPEN</noscript></body></html>');
      expect(lines).to.deep.equal(['HELP']);
    });

    it('reads what a person sees of unclosed and broken markup', () => {
      expect(html('<div>ASSIGN<p>DONE<blockquote>REOPEN')).to.deep.equal(['ASSIGN', 'DONE']);
    });

    it('treats a 5 MB line that starts like an attribution as text, cut short', () => {
      const lines = text(`On ${'x'.repeat(5 * 1024 * 1024)} wrote:\nDONE`);
      expect(lines[0]).to.have.length(MAX_LINE_LENGTH + 1);
    });
  });
});
