import { expect } from 'chai';
import fc from 'fast-check';
import { formatTags, isFqdn, parseTags, type Tags } from '../../../src/classification/tags.js';

const none = { severity: null, org: null, servers: [], schedule: null };
const parse = (subject: string, body = '') => parseTags(subject, body);
const problems = (t: Tags) => t.warnings.map((w) => `${w.where} ${w.tag} ${w.problem}`);

describe('the tag grammar', () => {
  describe('severity', () => {
    const cases: Array<[string, string, Tags['severity']]> = [
      ['none at all', 'backup finished', null],
      ['info', ':info: backup finished', 'info'],
      ['warn, upper case', 'disk at 91% :WARN:', 'warn'],
      ['critical, mixed case', ':Critical: db1 down', 'critical'],
      ['the highest of several wins', ':info: :critical: :warn:', 'critical'],
      ['glued tags share a colon', ':info:warn:', 'warn'],
      ['unknown words are not tags', ':warning: :error: :smile:', null],
      ['inside a word', 'status:critical:now', 'critical'],
    ];
    for (const [name, subject, severity] of cases) {
      it(`${name}: "${subject}"`, () => expect(parse(subject).severity).to.equal(severity));
    }
    it('takes the body into account', () => expect(parse(':info: nightly', 'trace ... :critical: OOM').severity).to.equal('critical'));
    it('does not read an org named like a severity as a severity', () => expect(parse(':org:info:').severity).to.equal(null));
  });

  describe('schedule', () => {
    const cases: Array<[string, Tags['schedule']]> = [
      [':sched-perday-2/1:', { period: 'day', n: 2, v: 1 }],
      [':sched-perhour-12:', { period: 'hour', n: 12, v: 0 }],
      [':SCHED-PERMONTH-1/0:', { period: 'month', n: 1, v: 0 }],
      [':sched-perday-0:', { period: 'day', n: 0, v: 0 }],
    ];
    for (const [subject, schedule] of cases) {
      it(`reads ${subject}`, () => {
        const t = parse(subject);
        expect(t.schedule).to.deep.equal(schedule);
        expect(t.warnings).to.deep.equal([]);
      });
    }
    const malformed: Array<[string, RegExp]> = [
      [':sched-perday-x:', /"x" is not a count/],
      [':sched-perweek-1:', /unknown period "perweek"/],
      [':sched-perday-1/:', /"" is not a variance/],
      [':sched-perday-1/y:', /"y" is not a variance/],
      [':sched-perday--1:', /"-1" is not a count/],
      [':sched-perday-1', /not closed/],
      [':sched-:', /expected sched-perhour/],
      [':sched-perday-99999999:', /is not a count/],
    ];
    for (const [subject, problem] of malformed) {
      it(`keeps ${subject} as a tag warning, not a schedule`, () => {
        const t = parse(`backup ${subject} done`);
        expect(t.schedule).to.equal(null);
        expect(t.warnings).to.have.length(1);
        expect(t.warnings[0]!.problem).to.match(problem);
        expect(t.warnings[0]!.where).to.equal('subject');
      });
    }
    it('takes the first valid one, subject before body, and warns about a different one', () => {
      const t = parse(':sched-perday-x: :sched-perday-1:', ':sched-perhour-4: :sched-perday-1:');
      expect(t.schedule).to.deep.equal({ period: 'day', n: 1, v: 0 });
      expect(problems(t)).to.deep.equal(['subject :sched-perday-x: "x" is not a count (a whole number from 0 to 1000000)', 'body :sched-perhour-4: ignored: the earlier schedule tag :sched-perday-1: wins']);
    });
  });

  describe('org', () => {
    it('reads a dotted path and lower-cases it', () => expect(parse(':org:Datamer.Data.DB.olap:').org).to.equal('datamer.data.db.olap'));
    it('allows digits, dashes and underscores', () => expect(parse(':org:a-1.b_2:').org).to.equal('a-1.b_2'));
    const malformed: Array<[string, RegExp]> = [
      [':org::', /empty/],
      [':org:a..b:', /not an org path/],
      [':org:.a:', /not an org path/],
      [':org:a.b.:', /not an org path/],
      [':org:a/b:', /not an org path/],
      [':org:datamer.frontend', /not closed/],
      [':org:a b:', /not closed/],
    ];
    for (const [subject, problem] of malformed) {
      it(`keeps ${subject} as a tag warning`, () => {
        const t = parse(subject);
        expect(t.org).to.equal(null);
        expect(t.warnings[0]?.problem).to.match(problem);
      });
    }
    it('takes the subject\'s org over the body\'s and warns about the body\'s', () => {
      const t = parse(':org:a.b:', 'details :org:c.d: and again :org:a.b:');
      expect(t.org).to.equal('a.b');
      expect(problems(t)).to.deep.equal(['body :org:c.d: ignored: the earlier org tag :org:a.b: wins']);
    });
    it('still applies the valid tags of a message that also has malformed ones', () => {
      const t = parse(':critical: :org:: :org:ops.db:', ':svr:db1.example.com :sched-perday-x:');
      expect(t).to.deep.include({ severity: 'critical', org: 'ops.db', servers: ['db1.example.com'], schedule: null });
      expect(t.warnings).to.have.length(2);
    });
  });

  describe('servers', () => {
    it('reads any number, with or without the closing colon, lower-cased and without repeats', () => {
      const t = parse(':svr:DB1.example.com: on fire', 'also :svr:db2.example.com and :svr:db1.example.com:\n:svr:web-1.eu.example.org.');
      expect(t.servers).to.deep.equal(['db1.example.com', 'db2.example.com', 'web-1.eu.example.org']);
      expect(t.warnings).to.deep.equal([]);
    });
    it('ends a server name at the backslash of a quote escaped in JSON', () => {
      const t = parse('x', '{"AlarmDescription":"queue stuck :svr:etl1.example.test\\",\\"x\\":1}');
      expect(t.servers).to.deep.equal(['etl1.example.test']);
      expect(t.warnings).to.deep.equal([]);
    });
    const bad = [':svr:localhost', ':svr:10.0.0.1', ':svr:-bad.example.com', ':svr:a_b.example.com', ':svr:', `:svr:${'a'.repeat(64)}.example.com`];
    for (const tag of bad) {
      it(`warns about ${tag.slice(0, 30)}… which is not an FQDN`, () => {
        const t = parse(tag);
        expect(t.servers).to.deep.equal([]);
        expect(t.warnings[0]?.problem).to.match(/not a fully qualified domain name/);
      });
    }
    it('validates FQDNs by their labels', () => {
      expect(isFqdn('db1.example.com')).to.equal(true);
      expect(isFqdn('xn--bcher-kva.example')).to.equal(true);
      expect(isFqdn('example')).to.equal(false);
      expect(isFqdn(`${'a.'.repeat(127)}com`)).to.equal(false);
    });
  });

  it('finds nothing in a message without tags, and no warnings', () => {
    expect(parse('Cron <root@db1> /usr/local/bin/backup.sh', 'Backup completed: 42 GB in 11 min')).to.deep.equal({ ...none, warnings: [] });
  });

  describe('against arbitrary and hostile input', () => {
    const tagish = fc.stringMatching(/^[:a-zA-Z0-9./\- _-]{0,40}$/);
    const hostile = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.oneof(tagish, fc.constantFrom(':', '::', ':org:', ':svr:', ':sched-', ':info:', ':sched-perday-', '/', '.', '\u0000', '\r\n')), { maxLength: 60 }).map((parts) => parts.join('')),
    );

    it('never throws and always returns well-formed tags', () => {
      fc.assert(
        fc.property(hostile, hostile, (subject, body) => {
          const t = parseTags(subject, body);
          expect(['info', 'warn', 'critical', null]).to.include(t.severity);
          for (const server of t.servers) expect(isFqdn(server)).to.equal(true);
          if (t.schedule) expect(t.schedule.n).to.be.at.least(0);
        }),
        { numRuns: 2000 },
      );
    });

    it('round-trips every classification it accepts', () => {
      fc.assert(
        fc.property(hostile, hostile, (subject, body) => {
          const t = parseTags(subject, body);
          const again = parseTags(formatTags(t), '');
          expect({ ...again, warnings: [] }).to.deep.equal({ severity: t.severity, org: t.org, servers: t.servers, schedule: t.schedule, warnings: [] });
          expect(again.warnings).to.deep.equal([]);
        }),
        { numRuns: 2000 },
      );
    });

    it('reads a megabyte of colons and near-tags in one pass (no backtracking)', () => {
      // Only behaviour is asserted here; BENCHMARKS.md has the timings.
      const body = ':org:a'.repeat(100_000) + ':svr:' + 'a.'.repeat(100_000) + ':sched-perday-' + '1'.repeat(100_000);
      const t = parseTags(':info:', body);
      expect(t.severity).to.equal('info');
      expect(t.warnings.length).to.be.greaterThan(0);
    });
  });
});
