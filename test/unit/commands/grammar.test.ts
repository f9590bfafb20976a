import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HELP_TEXT, MAX_COMMANDS, parseCommands, type EmailCommand, type ParsedCommand } from '../../../src/commands/grammar.js';
import { MAX_LINE_LENGTH, commandLines } from '../../../src/commands/reply-text.js';
import { parseMessage } from '../../../src/ingest/parse.js';
import { projectRoot } from '../../../src/paths.js';

const one = (line: string): ParsedCommand => {
  const results = parseCommands([line]);
  expect(results, `one result for ${line}`).to.have.length(1);
  return results[0]!;
};
const commandOf = (line: string): EmailCommand => {
  const result = one(line);
  if (!result.ok) throw new Error(`expected "${line}" to parse, got: ${result.error}`);
  return result.command;
};
const errorOf = (line: string): string => {
  const result = one(line);
  if (result.ok) throw new Error(`expected "${line}" to be refused, got ${JSON.stringify(result.command)}`);
  return result.error;
};

describe('email command grammar', () => {
  describe('the commands an engineer writes', () => {
    const cases: Array<[string, EmailCommand]> = [
      ['ASSIGN', { type: 'assign', handle: null }],
      ['assign', { type: 'assign', handle: null }],
      ['ASSIGN alice', { type: 'assign', handle: 'alice' }],
      ['Assign @Alice', { type: 'assign', handle: 'alice' }],
      ['ASSIGN j.doe-2_ops', { type: 'assign', handle: 'j.doe-2_ops' }],
      ['UNASSIGN', { type: 'unassign' }],
      ['DONE', { type: 'done', note: null }],
      ['done replaced the disk, array rebuilding', { type: 'done', note: 'replaced the disk, array rebuilding' }],
      ['DONE    extra   spaces kept inside', { type: 'done', note: 'extra   spaces kept inside' }],
      ['REOPEN', { type: 'reopen' }],
      ['MERGE #1432', { type: 'merge', into: 1432, reason: null }],
      ['merge 1432 same NFS outage', { type: 'merge', into: 1432, reason: 'same NFS outage' }],
      ['MERGE INTO #7   one storm', { type: 'merge', into: 7, reason: 'one storm' }],
      ['SPLIT', { type: 'split', messageId: null, reason: null }],
      ['split 5120', { type: 'split', messageId: 5120, reason: null }],
      ['SPLIT 5120 another host', { type: 'split', messageId: 5120, reason: 'another host' }],
      ['SPLIT wrong host entirely', { type: 'split', messageId: null, reason: 'wrong host entirely' }],
      ['HELP', { type: 'help' }],
      ['help me with RULE please', { type: 'help' }],
      ['SUBSCRIBE infra.db.* responder', { type: 'subscribe', pattern: 'infra.db.*', level: 'responder' }],
      ['subscribe Infra.DB interested', { type: 'subscribe', pattern: 'infra.db', level: 'interested' }],
      ['SUBSCRIBE * INTERESTED', { type: 'subscribe', pattern: '*', level: 'interested' }],
      ['UNSUBSCRIBE infra.db.*', { type: 'unsubscribe', pattern: 'infra.db.*' }],
    ];
    for (const [line, command] of cases) {
      it(`reads "${line}"`, () => {
        expect(commandOf(line)).to.deep.equal(command);
      });
    }
  });

  describe('RULE', () => {
    const cases: Array<[string, { name: string; conditions: unknown[]; actions: unknown }]> = [
      [
        'RULE subject /backup failed on (?P<host>[a-z0-9.-]+)/ => org=infra.backup severity=critical svr=$host',
        {
          name: 'email: subject /backup failed on (?P<host>[a-z0-9.-]+)/',
          conditions: [{ field: 'subject', pattern: 'backup failed on (?P<host>[a-z0-9.-]+)' }],
          actions: { org: 'infra.backup', severity: 'critical', servers: ['$host'] },
        },
      ],
      [
        'rule BODY /disk \\/var is (full|critical)/ => severity=WARN',
        { name: 'email: body /disk /var is (full|critical)/', conditions: [{ field: 'body', pattern: 'disk /var is (full|critical)' }], actions: { severity: 'warn' } },
      ],
      [
        'RULE header:X-Nagios-Host /^db\\d+\\./ => org=Infra.DB',
        { name: 'email: header:X-Nagios-Host /^db\\d+\\./', conditions: [{ field: 'header', header: 'X-Nagios-Host', pattern: '^db\\d+\\.' }], actions: { org: 'infra.db' } },
      ],
      [
        'RULE from /^cron@/ => svr=DB1.example.com. svr=db2.example.com,db3.example.com',
        { name: 'email: from /^cron@/', conditions: [{ field: 'from', pattern: '^cron@' }], actions: { servers: ['db1.example.com', 'db2.example.com', 'db3.example.com'] } },
      ],
      [
        'RULE server /^web\\d+\\.example\\.com$/=>org=web',
        { name: 'email: server /^web\\d+\\.example\\.com$/', conditions: [{ field: 'server', pattern: '^web\\d+\\.example\\.com$' }], actions: { org: 'web' } },
      ],
      [
        'RULE subject /ends with a backslash \\\\/ => org=x',
        { name: 'email: subject /ends with a backslash \\\\/', conditions: [{ field: 'subject', pattern: 'ends with a backslash \\\\' }], actions: { org: 'x' } },
      ],
    ];
    for (const [line, draft] of cases) {
      it(`reads "${line}" as a rule of the classification engine`, () => {
        expect(commandOf(line)).to.deep.equal({ type: 'rule', draft });
      });
    }

    it('names a rule after its condition, cut to a readable length', () => {
      const command = commandOf(`RULE subject /${'x'.repeat(300)}/ => org=x`);
      if (command.type !== 'rule') throw new Error('expected a rule');
      expect(command.draft.name).to.have.length(80);
      expect(command.draft.name).to.match(/^email: subject \/x+…$/);
      expect(command.draft.conditions[0]!.pattern).to.have.length(300);
    });

    const errors: Array<[string, string, RegExp]> = [
      ['no field', 'RULE', /RULE needs a field, an expression and actions; e\.g\. RULE subject/],
      ['an unknown field', 'RULE title /x/ => org=a', /unknown field "title": use subject, body, from, server or header:<Name>/],
      ['a header without a name', 'RULE header: /x/ => org=a', /write the header's name after header:/],
      ['no slashes', 'RULE subject backup => org=a', /put the regular expression between slashes/],
      ['no closing slash', 'RULE subject /backup => org=a', /no closing "\/" \(write a slash inside it as \\\/\)/],
      ['an empty expression', 'RULE subject // => org=a', /expression is empty: it would match every message/],
      ['no arrow', 'RULE subject /x/ org=a', /write "=>" and the actions/],
      ['flags after the expression', 'RULE subject /x/i => org=a', /write "=>" and the actions/],
      ['no actions', 'RULE subject /x/ =>', /name at least one action after "=>"/],
      ['an unknown action', 'RULE subject /x/ => folder=Inbox', /unknown action "folder": use org=, severity= or svr=/],
      ['an action without a value', 'RULE subject /x/ => org=', /"org=" is not an action/],
      ['a word that is no action', 'RULE subject /x/ => critical', /"critical" is not an action/],
      ['an unknown severity', 'RULE subject /x/ => severity=high', /severity "high": use info, warn or critical/],
      ['org given twice', 'RULE subject /x/ => org=a org=b', /org= is given twice/],
      ['an invalid org path', 'RULE subject /x/ => org=a..b', /org "a\.\.b" is not an org path/],
      ['a server that is no FQDN', 'RULE subject /x/ => svr=localhost', /server "localhost" is not a fully qualified domain name/],
      ['a capture that the expression lacks', 'RULE subject /x/ => svr=$host', /\$host: no condition has a group named "host"/],
      ['an expression RE2 refuses (the engine\'s own message)', 'RULE subject /(a/ => org=a', /\/\(a\/ is not a valid expression: .*missing \)/i],
      ['backtracking RE2 does not do', 'RULE subject /(a)\\1/ => org=a', /is not a valid expression/],
    ];
    for (const [what, line, message] of errors) {
      it(`refuses a rule with ${what}, saying what to write`, () => {
        expect(errorOf(line)).to.match(message);
      });
    }
  });

  describe('mistakes answered in words an engineer can act on', () => {
    const cases: Array<[string, RegExp]> = [
      ['ASIGN alice', /^unknown command "ASIGN": did you mean ASSIGN\?$/],
      ['DOEN', /^unknown command "DOEN": did you mean DONE\?$/],
      ['UNSUBSRIBE infra.*', /^unknown command "UNSUBSRIBE": did you mean UNSUBSCRIBE\?$/],
      ['CLOSE', /^unknown command "CLOSE": the commands are ASSIGN, UNASSIGN, DONE, REOPEN, MERGE, SPLIT, RULE, SUBSCRIBE, UNSUBSCRIBE, SET, HELP$/],
      ['ASSIGN Alice Smith', /ASSIGN takes one handle .* e\.g\. "ASSIGN alice"/],
      ['ASSIGN alice@example.com', /ASSIGN takes one handle/],
      ['UNASSIGN bob', /UNASSIGN takes nothing after it \(found "bob"\)/],
      ['REOPEN please', /REOPEN takes nothing after it/],
      ['SUBSCRIBE', /SUBSCRIBE needs an org pattern, e\.g\. "SUBSCRIBE infra\.db\.\*"/],
      ['SUBSCRIBE infra.db.*', /SUBSCRIBE needs a level after the pattern: responder .* or interested/],
      ['SUBSCRIBE infra.db.* watcher', /SUBSCRIBE needs a level/],
      ['SUBSCRIBE infra.*.db responder', /"infra\.\*\.db" is not an org pattern/],
      ['SUBSCRIBE infra responder now', /SUBSCRIBE takes a pattern and a level only/],
      ['UNSUBSCRIBE', /UNSUBSCRIBE needs an org pattern/],
      ['UNSUBSCRIBE a b', /UNSUBSCRIBE takes one org pattern/],
      ['MERGE', /^MERGE needs the event to merge this one into, e\.g\. "MERGE #1432 same NFS outage"$/],
      ['MERGE the other one', /MERGE needs the event to merge this one into/],
      ['MERGE #abc', /MERGE needs the event/],
      ['MEGRE #12', /^unknown command "MEGRE": did you mean MERGE\?$/],
    ];
    for (const [line, message] of cases) {
      it(`answers "${line}" with what is wrong`, () => {
        const result = one(line);
        expect(result).to.include({ ok: false, line });
        if (!result.ok) expect(result.error).to.match(message);
      });
    }
  });

  describe('which lines are commands', () => {
    it('applies several commands in the order written', () => {
      expect(parseCommands(['ASSIGN alice', 'SUBSCRIBE infra.* interested', 'DONE']).map((r) => r.ok && r.command.type)).to.deep.equal(['assign', 'subscribe', 'done']);
    });

    it('ends the commands at the first line that is not one: a greeting or a name', () => {
      const results = parseCommands(['ASSIGN', 'DONE', 'Thanks,', 'Bob', 'REOPEN']);
      expect(results.map((r) => r.line)).to.deep.equal(['ASSIGN', 'DONE']);
      expect(parseCommands(['DONE', 'VG', 'Frank']).map((r) => r.line)).to.deep.equal(['DONE']);
      expect(parseCommands(['DONE', 'Jon']).map((r) => r.line)).to.deep.equal(['DONE']);
    });

    it('needs a command on the first line: a "Thanks!" above the commands is refused, not guessed around', () => {
      expect(parseCommands(['Thanks!', 'ASSIGN'])).to.deep.equal([
        { ok: false, line: 'Thanks!', error: 'no command found: the first line of your reply must be a command, such as ASSIGN or DONE' },
      ]);
    });

    it('says "no command found" for an empty reply', () => {
      const [result, ...rest] = parseCommands([]);
      expect(rest).to.deep.equal([]);
      expect(result).to.include({ ok: false });
      if (result && !result.ok) expect(result.error).to.match(/^no command found/);
    });

    it('answers a mistyped command among others instead of skipping it', () => {
      const results = parseCommands(['ASSIGN', 'DOEN', 'REOPEN']);
      expect(results.map((r) => r.ok)).to.deep.equal([true, false, true]);
      expect(results[1]).to.deep.include({ line: 'DOEN', error: 'unknown command "DOEN": did you mean DONE?' });
    });

    it('reads a word in capitals as a command attempt, even on the first line', () => {
      expect(parseCommands(['CLAIM'])[0]).to.deep.include({ ok: false, line: 'CLAIM' });
      expect((parseCommands(['CLAIM'])[0] as { error: string }).error).to.match(/^unknown command "CLAIM"/);
    });

    it('ignores blank lines and surrounding spaces', () => {
      expect(parseCommands(['', '  ASSIGN  ', '', 'DONE'])).to.deep.equal([
        { ok: true, line: 'ASSIGN', command: { type: 'assign', handle: null } },
        { ok: true, line: 'DONE', command: { type: 'done', note: null } },
      ]);
    });

    it('reads the commands of a real reply with a greeting under them (fixtures/replies/two-commands.eml)', async () => {
      const message = await parseMessage(readFileSync(path.join(projectRoot, 'fixtures', 'replies', 'two-commands.eml')));
      const results = parseCommands(commandLines(message));
      expect(results.map((r) => r.ok && r.command.type)).to.deep.equal(['assign', 'rule']);
    });
  });

  describe('with hostile input', () => {
    it(`reads at most ${MAX_COMMANDS} commands and says so`, () => {
      const results = parseCommands(new Array<string>(500).fill('ASSIGN'));
      expect(results).to.have.length(MAX_COMMANDS + 1);
      expect(results[MAX_COMMANDS]).to.deep.include({ ok: false, error: `a reply may carry at most ${MAX_COMMANDS} commands; this one and those after it were not read` });
    });

    it('refuses a line longer than the limit instead of acting on the part that was kept', () => {
      expect(errorOf(`RULE subject /${'a'.repeat(MAX_LINE_LENGTH)}/ => org=x`)).to.equal(`this line is longer than ${MAX_LINE_LENGTH} characters`);
    });

    it('keeps a huge unknown word short in its answer', () => {
      expect(errorOf('X'.repeat(MAX_LINE_LENGTH)).length).to.be.below(200);
    });

    it('accepts a catastrophic-backtracking expression, since RE2 runs it in linear time', () => {
      expect(commandOf('RULE body /(a+)+$/ => severity=info').type).to.equal('rule');
    });

    it('does not take a prototype key for a command or an action', () => {
      expect(errorOf('constructor')).to.match(/^no command found/);
      expect(errorOf('RULE subject /x/ => __proto__=a')).to.match(/unknown action "__proto__"/);
    });
  });

  describe('HELP_TEXT', () => {
    it('shows every command with an example, and how to reply', () => {
      for (const example of ['ASSIGN', 'ASSIGN alice', 'UNASSIGN', 'DONE replaced the disk', 'REOPEN', 'MERGE #1432', 'SPLIT', 'RULE subject /', 'SUBSCRIBE infra.db.* responder', 'UNSUBSCRIBE infra.db.*', 'HELP']) {
        expect(HELP_TEXT).to.contain(example);
      }
      expect(HELP_TEXT).to.match(/first lines of your reply, above the quoted/);
      expect(HELP_TEXT).to.match(/your own address/);
      expect(HELP_TEXT).to.match(/reply address and the \[DaTamer #42\] tag in the subject/);
      expect(HELP_TEXT).to.match(/key:<your token> in the subject/);
    });

    it('fits on a screen', () => {
      expect(HELP_TEXT.split('\n').length).to.be.at.most(40);
      expect(Math.max(...HELP_TEXT.split('\n').map((l) => l.length))).to.be.at.most(100);
    });

    it('gives examples that parse, and the rule example is one the engine accepts', () => {
      const examples = HELP_TEXT.split('\n')
        .map((l) => l.trim())
        .filter((l) => /^(ASSIGN|UNASSIGN|DONE|REOPEN|MERGE|SPLIT|RULE|SUBSCRIBE|UNSUBSCRIBE|HELP)\b/.test(l))
        .map((l) => (l.startsWith('RULE') || l.startsWith('SUBSCRIBE') ? l : l.split(/\s{2,}/)[0]!));
      expect(examples).to.have.length.at.least(11);
      for (const example of examples) expect(one(example), example).to.include({ ok: true });
    });
  });
});
