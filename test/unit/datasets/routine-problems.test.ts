// The routine background as monitoring tools make it (docs/datasets.md, "Routine traffic"): each
// problem of a check is a PROBLEM, the tool's re-notifications while it lasts and its RECOVERY,
// labelled as one routine problem; a check never gets a fresh PROBLEM before it recovered; the
// background keeps off the checks an incident reports on; a bigger scale is a bigger fleet; and
// history before the scored days leaves the scored days' incidents as they were.
import { expect } from 'chai';
import { generateCorpus, type Corpus } from '../../../src/datasets/generate.js';
import { Planner } from '../../../src/datasets/planner.js';
import { Rng } from '../../../src/datasets/prng.js';
import { RENOTIFY_MS, ROUTINE_PROBLEM_MAX_MS, routineTraffic } from '../../../src/datasets/routine.js';
import { SourceSpans } from '../../../src/datasets/sources.js';
import { FLEET_SCALE, WATCHED, watchedFleet } from '../../../src/datasets/topology.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ms = (iso: string) => Date.parse(iso);

describe('the routine background of the labelled corpus', () => {
  let fortnight: Corpus;
  let busy: Corpus;
  before(() => {
    fortnight = generateCorpus({ seed: 5, days: 14, scale: 1 });
    busy = generateCorpus({ seed: 9, days: 1, scale: 80 });
  });

  it('follows every routine problem of a check by its recovery within 6 hours, re-notified meanwhile at its tool\'s interval only', () => {
    for (const corpus of [fortnight, busy]) {
      const { problems, messages } = corpus.truth;
      expect(problems.length).to.be.greaterThan(100);
      for (const p of problems) {
        const mail = p.messages.map((i) => messages[i]!).sort((a, b) => ms(a.at) - ms(b.at));
        expect(mail.every((m) => m.problem === p.id && m.incident === null && m.duplicateOf === null), p.id).to.equal(true);
        expect(mail[0]!.flags, p.id).to.not.include.members(['recovery', 'renotification']);
        expect(ms(p.end) - ms(p.start), p.id).to.be.at.most(ROUTINE_PROBLEM_MAX_MS);
        if (p.recovered) expect(mail[mail.length - 1]!.flags, p.id).to.include('recovery');
        // No recovery only when the corpus ended before it was due.
        else expect(ms(p.start) + ROUTINE_PROBLEM_MAX_MS, p.id).to.be.above(ms(corpus.truth.end));
        const problemMail = mail.filter((m) => !m.flags.includes('recovery'));
        expect(problemMail.length, p.id).to.equal(mail.length - (p.recovered ? 1 : 0));
        const every = RENOTIFY_MS[p.sources[0]!.split('|')[0]!] ?? null;
        if (every === null) expect(problemMail.length, p.id).to.equal(1);
        problemMail.slice(1).forEach((m, i) => {
          expect(m.flags, p.id).to.include('renotification');
          expect(ms(m.at) - ms(problemMail[i]!.at), p.id).to.equal(every);
        });
      }
      // Every message labelled with a routine problem is in it.
      const listed = new Set(problems.flatMap((p) => p.messages));
      expect(messages.filter((m) => m.problem !== null && m.duplicateOf === null).every((m) => listed.has(m.index))).to.equal(true);
    }
  });

  it('never sends a fresh PROBLEM for a check whose problem has not recovered', () => {
    for (const corpus of [fortnight, busy]) {
      const bySource = new Map<string, Array<[number, number]>>();
      for (const p of corpus.truth.problems) for (const source of p.sources) (bySource.get(source) ?? bySource.set(source, []).get(source)!).push([ms(p.start), ms(p.end)]);
      for (const [source, spans] of bySource) {
        spans.sort((a, b) => a[0] - b[0]);
        spans.slice(1).forEach(([start], i) => expect(start, source).to.be.above(spans[i]![1]));
      }
    }
  });

  it('keeps routine problems off a check an incident is reporting on', () => {
    const start = Date.parse('2026-11-01T00:00:00Z');
    const planner = new Planner(new Rng(1));
    const taken = new SourceSpans();
    taken.take(['nagios|web1|HTTP', 'alertmanager|api3|TargetDown'], start, start + DAY);
    routineTraffic(planner, new Rng(2), start, start + DAY, 40, taken);
    const sources = new Set(planner.drafts.flatMap((d) => d.sources));
    expect(sources.size).to.be.greaterThan(1000);
    expect(sources.has('nagios|web1|HTTP')).to.equal(false);
    expect(sources.has('alertmanager|api3|TargetDown')).to.equal(false);
    expect(sources.has('nagios|web1|Disk /var')).to.equal(true);
  });

  it('makes a bigger fleet at a bigger scale, so that each check fails about as often', () => {
    expect(watchedFleet(1)).to.have.length(WATCHED.length);
    expect(watchedFleet(FLEET_SCALE)).to.have.length(WATCHED.length);
    const fleet = watchedFleet(80);
    expect(fleet).to.have.length(WATCHED.length * 8);
    expect(new Set(fleet.map((s) => s.host)).size).to.equal(fleet.length);
    // At scale 80 a check fails a couple of times a day, as at scale 1 over a week or so.
    const perCheck = (c: Corpus) => c.truth.problems.length / new Set(c.truth.problems.flatMap((p) => p.sources)).size / c.truth.days;
    expect(perCheck(busy)).to.be.below(3);
    expect(busy.truth.messages.length).to.be.within(18_000, 21_000);
  });

  it('replays history before the scored days without changing their incidents', () => {
    const plain = generateCorpus({ seed: 5, days: 1, scale: 1 });
    const withHistory = generateCorpus({ seed: 5, days: 1, scale: 1, historyDays: 1 });
    const t = withHistory.truth;
    expect(t.historyDays).to.equal(1);
    expect(t.scoredFrom).to.equal(plain.truth.start);
    expect(ms(t.start)).to.equal(ms(plain.truth.start) - DAY);
    const scored = t.incidents.filter((i) => !i.id.startsWith('hist-'));
    expect(scored.map((i) => [i.id, i.kind, i.start, i.end, i.root])).to.deep.equal(plain.truth.incidents.map((i) => [i.id, i.kind, i.start, i.end, i.root]));
    const history = t.incidents.filter((i) => i.id.startsWith('hist-inc-'));
    expect(history.length).to.be.greaterThan(0);
    for (const i of history) expect(i.end < t.scoredFrom!, i.id).to.equal(true);
    expect(t.messages.some((m) => m.at < t.scoredFrom!)).to.equal(true);
    expect(plain.truth.scoredFrom).to.equal(null);
  });
});
