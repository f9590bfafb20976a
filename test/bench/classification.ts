// Classification throughput: messages/s with 0, 100 and 1,000 rules on a realistic corpus, next
// to the raw parse rate of the same messages, all in one run. Then the regular-expression engines
// DaTamer could use for rules, side by side: why the rules run on `re2`.
import { RE2JS } from 're2js';
import { RE2 as RE2Wasm } from 're2-wasm';
import RE2 from 're2';
import { classifyMessage } from '../../src/classification/classifier.js';
import { compileRules, type RuleDefinition } from '../../src/classification/rules.js';
import { parseMessage, type ParsedMessage } from '../../src/ingest/parse.js';
import { monitoringMail } from './monitoring-mail.js';
import { table } from './stats.js';

const CORPUS = 2000;
const HOSTS = ['db', 'web', 'queue', 'cache', 'backup', 'batch', 'lb', 'mon'];
const TEAMS = ['frontend', 'data', 'platform', 'payments', 'search'];

/** A message of the kinds a team gets: Nagios, cron, backup reports; some tagged, most not. */
function corpusMail(n: number): Buffer {
  if (n % 3 === 0) return monitoringMail('classify', n);
  const host = `${HOSTS[n % HOSTS.length]}${n % 40}.prod.example.test`;
  const tags = n % 5 === 0 ? ` :warn: :org:datamer.${TEAMS[n % TEAMS.length]}.svc${n % 7}:` : '';
  const subject = n % 3 === 1 ? `Cron <root@${host}> /usr/local/bin/job-${n % 250}.sh${tags}` : `backup of ${host} ${n % 11 === 0 ? 'FAILED' : 'finished'}${tags}`;
  const body = `${'Output of the job follows.\n'.repeat(3)}host=${host}\nexit=${n % 11 === 0 ? 2 : 0}\n${'log line with some words in it\n'.repeat(40)}`;
  return Buffer.from(`From: cron@${host}\r\nTo: ops@example.test\r\nSubject: ${subject}\r\nMessage-ID: <c${n}@bench>\r\nX-Job-Id: job-${n % 250}\r\n\r\n${body}`);
}

/** Rules like a team writes them: by job, by sender, by header, some on the body. */
function rules(count: number): RuleDefinition[] {
  return Array.from({ length: count }, (_, i): RuleDefinition => {
    const kind = i % 4;
    const conditions =
      kind === 0 ? [{ field: 'subject' as const, pattern: `job-${i}\\.sh` }]
      : kind === 1 ? [{ field: 'from' as const, pattern: `^cron@${HOSTS[i % HOSTS.length]}${i % 40}\\.` }, { field: 'subject' as const, pattern: 'fail|error' }]
      : kind === 2 ? [{ field: 'header' as const, header: 'X-Job-Id', pattern: `^job-${i}$` }]
      : [{ field: 'body' as const, pattern: `host=(?P<host>${HOSTS[i % HOSTS.length]}${i % 40}\\.[a-z.]+)\\s+exit=[1-9]` }];
    return {
      id: i + 1, name: `rule ${i}`, position: i, enabled: true, continue: i % 10 === 0, override: false, conditions,
      actions: { org: `datamer.${TEAMS[i % TEAMS.length]}.r${i}`, severity: kind === 1 ? 'critical' : 'info', ...(kind === 3 ? { servers: ['$host'] } : {}) },
    };
  });
}

function rate(count: number, work: () => void): number {
  const started = performance.now();
  work();
  return (count / (performance.now() - started)) * 1000;
}

async function throughput(): Promise<void> {
  const raws = Array.from({ length: CORPUS }, (_, n) => corpusMail(n));
  let started = performance.now();
  const parsed: ParsedMessage[] = [];
  for (const raw of raws) parsed.push(await parseMessage(raw));
  const parseRate = (CORPUS / (performance.now() - started)) * 1000;

  const rows = [['parse only (mailparser)', parseRate.toFixed(0), '-', '1.00']];
  for (const count of [0, 100, 1000]) {
    started = performance.now();
    const compiled = compileRules(rules(count));
    const compileMs = performance.now() - started;
    let matched = 0;
    // Twice: the first pass warms the JIT, the second is measured.
    for (const p of parsed) classifyMessage(p, compiled);
    const r = rate(CORPUS, () => {
      for (const p of parsed) matched += classifyMessage(p, compiled).matchedRuleIds.length > 0 ? 1 : 0;
    });
    rows.push([`classify, ${count} rules (compiled in ${compileMs.toFixed(0)} ms; ${matched} of ${CORPUS} matched)`, r.toFixed(0), (1000 / r).toFixed(3), (r / parseRate).toFixed(2)]);
  }
  console.log(`\nClassification of ${CORPUS} parsed messages (tags + rules), one core:\n`);
  console.log(table(['what', 'messages/s', 'ms/message', '÷ parse rate'], rows));
}

interface Engine {
  name: string;
  compile(pattern: string): (text: string) => boolean;
  /** one pass for all patterns, when the engine has it */
  set?(patterns: string[]): (text: string) => number;
}

const ENGINES: Engine[] = [
  { name: 're2 (native), RE2.Set', compile: () => () => false, set: (ps) => { const s = new RE2.Set(ps, 'iu'); return (t) => s.match(t).length; } },
  { name: 're2 (native), one by one', compile: (p) => { const r = new RE2(p, 'iu'); return (t) => r.test(t); } },
  { name: 're2js (pure JS)', compile: (p) => { const r = RE2JS.compile(p, RE2JS.CASE_INSENSITIVE); return (t) => r.matcher(t).find(); } },
  { name: 're2-wasm', compile: (p) => { const r = new RE2Wasm(p, 'iu'); return (t) => r.test(t); } },
];

function engines(): void {
  const subjects = Array.from({ length: 300 }, (_, n) => `Cron <root@web${n % 40}.prod.example.test> /usr/local/bin/job-${n % 250}.sh finished with status ${n % 7 ? 'OK' : 'FAILED'}`);
  const patterns = Array.from({ length: 1000 }, (_, i) => `job-${i}\\.sh.*(fail|error)`);
  const rows: string[][] = [];
  for (const engine of ENGINES) {
    let r: number;
    if (engine.set) {
      const match = engine.set(patterns);
      r = rate(subjects.length, () => subjects.forEach((s) => match(s)));
    } else {
      const tests = patterns.map((p) => engine.compile(p));
      r = rate(subjects.length, () => subjects.forEach((s) => tests.forEach((t) => t(s))));
    }
    // A classic catastrophic pattern on a 100 kB hostile body: linear engines shrug.
    const hostile = `${'a'.repeat(100_000)}!`;
    const evil = engine.set ? engine.set(['^(a+)+$']) : engine.compile('^(a+)+$');
    const started = performance.now();
    evil(hostile);
    rows.push([engine.name, r.toFixed(0), (performance.now() - started).toFixed(1)]);
  }
  console.log('\nRule engines: 1,000 subject rules against 300 subjects, and /^(a+)+$/ on 100 kB of "a" and a "!":\n');
  console.log(table(['engine', 'subjects/s (1,000 rules)', 'hostile ms'], rows));
}

export async function benchClassification(): Promise<void> {
  await throughput();
  engines();
}
