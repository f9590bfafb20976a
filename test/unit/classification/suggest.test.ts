import { expect } from 'chai';
import fc from 'fast-check';
import RE2 from 're2';
import { decide } from '../../../src/classification/classify.js';
import { factsOf } from '../../../src/classification/facts.js';
import { checkDraft, type RuleDraft } from '../../../src/classification/rule-store.js';
import { compileRules, matchRules, ruleProblems, type RuleDefinition } from '../../../src/classification/rules.js';
import { escapeRe2, SUBJECT_CAP, suggestRule } from '../../../src/classification/suggest.js';
import { parseTags } from '../../../src/classification/tags.js';

interface Mail {
  subject: string | null;
  fromAddress: string | null;
  text?: string | null;
}

/** The draft as the engine runs it once an engineer has enabled it. */
function enabled(draft: RuleDraft): RuleDefinition {
  return { id: 7, name: draft.name, position: 10, enabled: true, conditions: draft.conditions, actions: draft.actions, continue: draft.continue ?? false, override: draft.override ?? false };
}

/** What the real pipeline would decide for a mail, with the draft as the only rule. */
function classify(draft: RuleDraft, mail: Mail) {
  const base = factsOf({ subject: mail.subject, text: mail.text ?? null, html: null, fromAddress: mail.fromAddress, headers: new Map() }, []);
  const tags = parseTags(base.subject, base.body);
  const matches = matchRules(compileRules([enabled(draft)]), { ...base, servers: tags.servers });
  return { matched: matches.length > 0, classification: decide(tags, matches) };
}

function suggested(mail: Mail, org = 'ops.db'): RuleDraft {
  const draft = suggestRule({ text: null, ...mail }, { org });
  expect(draft, 'a suggestion').to.not.equal(null);
  return draft!;
}

describe('suggesting a rule from a labelled example', () => {
  // Realistic MSE subjects: the example an engineer filed, a sibling of the same shape that a
  // later day brings, and a message of another shape from the same sender.
  const cases: Array<{ kind: string; from: string; subject: string; sibling: string; other: string; pattern: string; server?: string }> = [
    {
      kind: 'a Nagios service alert',
      from: 'nagios@mon.example.com',
      subject: '** PROBLEM Service Alert: db1.example.com/Disk is CRITICAL **',
      sibling: '** PROBLEM Service Alert: db12.dc2.example.com/Disk is CRITICAL **',
      other: '** RECOVERY Service Alert: db1.example.com/Disk is OK **',
      pattern: '^\\*\\* PROBLEM Service Alert: (?P<server>[a-z0-9.-]+)/Disk is CRITICAL \\*\\*$',
      server: 'db12.dc2.example.com',
    },
    {
      kind: 'an Alertmanager notification',
      from: 'alertmanager@prom.example.com',
      subject: '[FIRING:2] HighDiskUsage (web3.example.com critical)',
      sibling: '[FIRING:17] HighDiskUsage (web9.example.com critical)',
      other: '[RESOLVED] HighDiskUsage (web3.example.com critical)',
      pattern: '^\\[FIRING:\\d+\\] HighDiskUsage \\((?P<server>[a-z0-9.-]+) critical\\)$',
      server: 'web9.example.com',
    },
    {
      kind: 'a Zabbix problem',
      from: 'zabbix@mon.example.com',
      subject: 'Problem: Free disk space is less than 10% on volume /var',
      sibling: 'Problem: Free disk space is less than 5% on volume /var',
      other: 'Resolved: Free disk space is less than 10% on volume /var',
      pattern: '^Problem: Free disk space is less than \\d+% on volume /var$',
    },
    {
      kind: 'a Zabbix recovery with a duration',
      from: 'zabbix@mon.example.com',
      subject: 'Resolved in 5m 0s: Zabbix agent on app2.example.com is unreachable for 5 minutes',
      sibling: 'Resolved in 1h 12m: Zabbix agent on app7.example.com is unreachable for 15 minutes',
      other: 'Problem: Zabbix agent on app2.example.com is unreachable for 5 minutes',
      pattern: '^Resolved in [0-9.dhmsw]+ [0-9.dhmsw]+: Zabbix agent on (?P<server>[a-z0-9.-]+) is unreachable for \\d+ minutes$',
      server: 'app7.example.com',
    },
    {
      kind: 'a nightly backup report',
      from: 'backup@db1.example.com',
      subject: 'Backup of db1 finished OK in 00:12:33 (2026-11-23T02:00:05Z)',
      sibling: 'Backup of db2 finished OK in 01:02:03 (2026-12-01T02:00:41Z)',
      other: 'Backup of db1 FAILED after 00:12:33 (2026-11-23T02:00:05Z)',
      pattern: '^Backup of db\\d+ finished OK in \\d+:\\d+:\\d+ \\(\\d+-\\d+-\\d+T\\d+:\\d+:\\d+Z\\)$',
    },
    {
      kind: 'a disk warning from check_disk',
      from: 'nagios@mon.example.com',
      subject: 'DISK WARNING - free space: /var 1234 MB (9.5% inode=97%):',
      sibling: 'DISK WARNING - free space: /var 880 MB (6% inode=99%):',
      other: 'DISK CRITICAL - free space: /var 80 MB (0.5% inode=99%):',
      pattern: '^DISK WARNING - free space: /var \\d+ MB \\([\\d.]+% inode=\\d+%\\):$',
    },
    {
      kind: 'cron output',
      from: 'root@batch3.example.com',
      subject: 'Cron <root@batch3> /usr/local/bin/backup.sh --full',
      sibling: 'Cron <root@batch4> /usr/local/bin/backup.sh --full',
      other: 'Cron <root@batch3> /usr/local/bin/rotate-logs',
      pattern: '^Cron <root@batch\\d+> /usr/local/bin/backup\\.sh --full$',
    },
    {
      kind: 'a job report with ids, an address and a date',
      from: 'ci@build.example.com',
      subject: 'Job 3f2a9c1 finished after 1h2m3s on 10.0.0.5 run 123e4567-e89b-12d3-a456-426614174000 (Mon Nov 23)',
      sibling: 'Job 9b0e44d7 finished after 45s on 10.20.3.17 run 00000000-0000-4000-8000-0000000000ff (Tue Dec 1)',
      other: 'Job 3f2a9c1 failed after 1h2m3s on 10.0.0.5 run 123e4567-e89b-12d3-a456-426614174000 (Mon Nov 23)',
      pattern: '^Job [0-9a-f]+ finished after [0-9.dhmsw]+ on \\d+\\.\\d+\\.\\d+\\.\\d+ run [0-9a-f-]{36} \\([a-z]+ [a-z]+ \\d+\\)$',
    },
  ];

  for (const c of cases) {
    describe(c.kind, () => {
      const draft = suggestRule({ subject: c.subject, fromAddress: c.from, text: 'details' }, { org: 'ops.db', severity: 'warn' })!;

      it('proposes a valid, disabled rule on the exact sender and the generalised subject', () => {
        expect(ruleProblems(draft)).to.deep.equal([]);
        expect(() => checkDraft(draft)).to.not.throw();
        expect(draft.enabled).to.equal(false);
        expect(draft.name).to.equal(`suggested: ops.db from ${c.from}`);
        expect(draft.conditions).to.deep.equal([
          { field: 'from', pattern: `^${c.from.replace(/\./g, '\\.')}$` },
          { field: 'subject', pattern: c.pattern },
        ]);
        expect(draft.actions).to.deep.equal({ org: 'ops.db', severity: 'warn', ...(c.server ? { servers: ['$server'] } : {}) });
      });

      it('classifies the example itself and a sibling with other numbers and hosts', () => {
        const example = classify(draft, { subject: c.subject, fromAddress: c.from });
        expect(example.matched).to.equal(true);
        expect(example.classification).to.deep.include({ org: 'ops.db', severity: 'warn', by: 'rule:7' });
        const sibling = classify(draft, { subject: c.sibling, fromAddress: c.from });
        expect(sibling.matched).to.equal(true);
        expect(sibling.classification.servers).to.deep.equal(c.server ? [c.server] : []);
      });

      it('leaves a message of another shape, or from another sender, alone', () => {
        expect(classify(draft, { subject: c.other, fromAddress: c.from }).matched).to.equal(false);
        expect(classify(draft, { subject: c.subject, fromAddress: `x${c.from}` }).matched).to.equal(false);
        expect(classify(draft, { subject: c.subject, fromAddress: c.from.replace('.com', '.org') }).matched).to.equal(false);
      });
    });
  }

  it('keeps file names and two-label words as they are, and captures only the first host', () => {
    const draft = suggested({ fromAddress: 'cron@db1.example.com', subject: 'backup.tar.gz copied from db1.example.com to db2.example.com via System.IO' });
    expect(draft.conditions[1]!.pattern).to.equal('^backup\\.tar\\.gz copied from (?P<server>[a-z0-9.-]+) to [a-z0-9.-]+ via System\\.IO$');
    expect(classify(draft, { fromAddress: 'cron@db1.example.com', subject: 'backup.tar.gz copied from db3.example.com to db4.example.com via System.IO' }).classification.servers).to.deep.equal(['db3.example.com']);
  });

  it('keeps the sender\'s tags as tag text: an org path is never captured as a server, nor its digits made numbers', () => {
    const draft = suggested({ fromAddress: 'backup@db3.example.com', subject: ':critical: :org:ops.db.pg2: nightly backup of db3 FAILED' }, 'ops.db.mysql');
    expect(draft.conditions[1]!.pattern).to.equal('^:critical: :org:ops\\.db\\.pg2: nightly backup of db\\d+ FAILED$');
    expect(draft.actions).to.deep.equal({ org: 'ops.db.mysql' });
    // A server tag names its server itself: the name varies, nothing is captured.
    const svr = suggested({ fromAddress: 'cron@mon.example.com', subject: ':warn: :svr:db1.example.com: disk full :sched-perday-1:' });
    expect(svr.conditions[1]!.pattern).to.equal('^:warn: :svr:[a-z0-9.-]+: disk full :sched-perday-1:$');
    expect(svr.actions).to.deep.equal({ org: 'ops.db' });
    expect(classify(svr, { fromAddress: 'cron@mon.example.com', subject: ':warn: :svr:db7.example.com: disk full :sched-perday-1:' }).classification.servers).to.deep.equal(['db7.example.com']);
  });

  it('captures a server only where a host name under a real top-level domain stands', () => {
    const capture = (subject: string) => suggested({ fromAddress: 'cron@mon.example.com', subject }).actions.servers ?? [];
    expect(capture('Backup of db1.prod.internal failed'), 'a name reserved for private networks').to.deep.equal(['$server']);
    expect(capture('Backup of db1.dc2.example.com failed')).to.deep.equal(['$server']);
    expect(capture('Backup of db1.prod.acme failed'), 'no such top-level domain').to.deep.equal([]);
    expect(capture('Exception in billing.invoice.renderer failed')).to.deep.equal([]);
    expect(suggested({ fromAddress: 'cron@mon.example.com', subject: 'Backup of db1.prod.acme failed' }).conditions[1]!.pattern).to.equal('^Backup of db\\d+\\.prod\\.acme failed$');
  });

  it('narrows on request: without the server capture, or the exact subject', () => {
    const mail = { subject: 'Backup of db1.example.com took 12 s', fromAddress: 'cron@mon.example.com', text: null };
    expect(suggestRule(mail, { org: 'ops' }, 'general-without-server')!.conditions[1]!.pattern).to.equal('^Backup of [a-z0-9.-]+ took \\d+ s$');
    expect(suggestRule(mail, { org: 'ops' }, 'general-without-server')!.actions).to.deep.equal({ org: 'ops' });
    expect(suggestRule(mail, { org: 'ops' }, 'exact')!.conditions[1]!.pattern).to.equal('^Backup of db1\\.example\\.com took 12 s$');
  });

  it('anchors the sender exactly and escapes it: a dot is not any character', () => {
    const draft = suggested({ fromAddress: 'cron@db1.example.com', subject: 'nightly' });
    expect(classify(draft, { fromAddress: 'CRON@DB1.EXAMPLE.COM', subject: 'nightly' }).matched, 'case does not matter').to.equal(true);
    expect(classify(draft, { fromAddress: 'cron@db1xexample.com', subject: 'nightly' }).matched).to.equal(false);
    expect(classify(draft, { fromAddress: 'cron@db1.example.com.evil.test', subject: 'nightly' }).matched).to.equal(false);
  });

  it('matches on the sender alone when there is no subject, by the first line of the body', () => {
    const draft = suggested({ fromAddress: 'cron@db1.example.com', subject: null, text: '\n  Rotated 12 logs in /var/log\nmore' });
    expect(draft.conditions).to.deep.equal([
      { field: 'from', pattern: '^cron@db1\\.example\\.com$' },
      { field: 'body', pattern: '(?m)^\\s*Rotated \\d+ logs in /var/log' },
    ]);
    expect(classify(draft, { fromAddress: 'cron@db1.example.com', subject: null, text: 'Rotated 3 logs in /var/log\n' }).matched).to.equal(true);
    expect(classify(draft, { fromAddress: 'cron@db1.example.com', subject: null, text: 'Backup done\n' }).matched).to.equal(false);
    expect(suggested({ fromAddress: 'cron@db1.example.com', subject: '  ' }).conditions).to.have.length(1);
  });

  it('matches on the subject alone when there is no sender, named after the subject', () => {
    const draft = suggested({ fromAddress: null, subject: 'Weekly capacity report 2026-W48' });
    expect(draft.name).to.equal('suggested: ops.db for "Weekly capacity report 2026-W48"');
    expect(draft.conditions).to.deep.equal([{ field: 'subject', pattern: '^Weekly capacity report \\d+-W\\d+$' }]);
    expect(classify(draft, { fromAddress: 'anyone@example.com', subject: 'Weekly capacity report 2026-W49' }).matched).to.equal(true);
  });

  it('suggests nothing when there is nothing distinctive to recognise the message by', () => {
    expect(suggestRule({ subject: null, fromAddress: null, text: 'body only' }, { org: 'ops' })).to.equal(null);
    expect(suggestRule({ subject: '', fromAddress: '  ', text: null }, { org: 'ops' })).to.equal(null);
    // Only numbers and punctuation, from nobody: a rule on it would file half the mailbox.
    expect(suggestRule({ subject: '2026-11-23 02:00:05 #4411', fromAddress: null, text: null }, { org: 'ops' })).to.equal(null);
  });

  describe('a hostile subject', () => {
    const hostile = `Price: $5 (a|b) [x-y] a+b.*c? {2} ^end\\ \t\u0000\u2028 ${'(a+)+$ '.repeat(2_000)}`;
    const from = 'evil@attacker.test';
    const draft = suggested({ fromAddress: from, subject: hostile });
    const subject = draft.conditions[1]!;

    it('is matched by its beginning, with a short pattern the engine accepts', () => {
      expect(ruleProblems(draft)).to.deep.equal([]);
      expect(subject.pattern.length).to.be.lessThan(4 * SUBJECT_CAP);
      expect(subject.pattern.startsWith('^Price: \\$\\d+ \\(a\\|b\\) \\[x-y\\] a\\+b\\.\\*c\\? \\{\\d+\\} \\^end\\\\\\s+\\x{0}\\x{2028} \\(a\\+\\)\\+\\$')).to.equal(true);
      expect(classify(draft, { fromAddress: from, subject: hostile }).matched).to.equal(true);
      expect(classify(draft, { fromAddress: from, subject: `${hostile.slice(0, 2 * SUBJECT_CAP)} and then something else` }).matched).to.equal(true);
    });

    it('takes its metacharacters literally', () => {
      // Each impostor would match if the one metacharacter it plays on kept its meaning.
      const impostors = [['(a|b)', 'a'], ['[x-y]', 'x'], ['a+b', 'aab'], ['a+b.*c?', 'a+bxx'], ['(a+)+$', 'aaa']];
      for (const [construct, reading] of impostors) {
        expect(classify(draft, { fromAddress: from, subject: hostile.replace(construct!, reading!) }).matched, construct).to.equal(false);
      }
    });
  });

  describe('escapeRe2', () => {
    it('makes any text a pattern that matches exactly that text', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' })), fc.string({ unit: 'binary-ascii', minLength: 1 }), (text, more) => {
          const re = new RE2(`^${escapeRe2(text)}$`, 'u');
          expect(re.test(text)).to.equal(true);
          expect(re.test(text + more)).to.equal(false);
          if (text.length > 0 && text[0] !== more[0]) expect(re.test(more[0]! + text.slice(1))).to.equal(false);
        }),
      );
    });

    it('leaves readable characters bare and escapes only what RE2 gives a meaning', () => {
      expect(escapeRe2('a-b_c /x@y.z: <#%&=!,;~"\'>')).to.equal('a-b_c /x@y\\.z: <#%&=!,;~"\'>');
      expect(escapeRe2('\\.+*?()|[]{}^$')).to.equal('\\\\\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$');
      expect(escapeRe2('tab\there')).to.equal('tab\\x{9}here');
    });
  });
});
