// The scorer on a hand-made truth (truth.json: 10 messages, two incidents, a repeat, a
// rejection, two schedule alerts) and its hand-made perfect replay (perfect-replay.jsonl), then
// on replays broken in one way each: every break must move exactly the number it should.
//
// The truth, in short: #0 #1 #9 are incident inc-1 (#6 repeats #0), #4 #5 are inc-2, #2 #3 #8
// are routine, #7 must be rejected. #4 must warn once, #8 twice. The backup stream must alert
// "missing" between 11-25 08:30 and 09:00 and resolve by 11-26 08:10; the report stream
// "excess" between 11-24 12:00 and 12:10, never resolving. Grouped messages: 0 1 2 3 4 5 8 9.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../src/paths.js';
import { parseReplay, type Replay, type ReplayMessage } from '../../../src/scoring/replay-input.js';
import { scoreReplay } from '../../../src/scoring/score.js';
import { truthSchema } from '../../../src/scoring/truth-types.js';

const FIXTURES = path.join(projectRoot, 'test', 'unit', 'scoring');
const truth = truthSchema.parse(JSON.parse(readFileSync(path.join(FIXTURES, 'truth.json'), 'utf8')));
const perfectText = readFileSync(path.join(FIXTURES, 'perfect-replay.jsonl'), 'utf8');
const BACKUP = 'org=datamer.ops.backup|svr=db1.example.test|from=cron@db1.example.test|per=day';
const QUIET = 'org=datamer.ops.backup|svr=db2.example.test|from=cron@db2.example.test|per=day';

/** A fresh copy of the perfect replay to break. */
const perfect = (): Replay => parseReplay(perfectText);
const line = (replay: Replay, index: number): ReplayMessage => replay.messages.find((m) => m.index === index)!;
const close = (actual: number | null, expected: number) => expect(actual).to.be.closeTo(expected, 1e-12);

describe('scoring a replay against the truth of its dataset', () => {
  it('gives a perfect replay 100% everywhere, with nothing lost', () => {
    const score = scoreReplay(truth, perfect());
    expect(score.classification.messages).to.equal(8);
    for (const field of ['severity', 'org', 'servers', 'schedule'] as const) expect(score.classification.fields[field]).to.deep.equal({ count: 8, of: 8, share: 1 });
    expect(score.classification.allFour).to.deep.equal({ count: 8, of: 8, share: 1 });
    expect(score.classification.mismatches).to.deep.equal([]);
    expect(score.tagWarnings.recall).to.deep.equal({ count: 2, of: 2, share: 1 });
    expect(score.tagWarnings.falseWarnings).to.deep.equal({ count: 0, of: 6, share: 0 });
    expect(score.delivery).to.deep.equal({
      messages: 10,
      lost: [],
      doubled: [],
      unknown: [],
      unexpectedRejections: [],
      storedRejections: [],
      duplicatesMissed: [],
      falseDuplicates: [],
    });
    const s = score.scheduleAlerts;
    expect([s.inTime.share, s.early.count, s.late.count, s.missed.count, s.false, s.repeated, s.resolvedWrongly]).to.deep.equal([1, 0, 0, 0, 0, 0, 0]);
    expect(s.resolvedInTime).to.deep.equal({ count: 1, of: 1, share: 1 });
    const g = score.grouping;
    expect([g.messages, g.incidents, g.routine, g.events, g.withoutEvent]).to.deep.equal([8, 2, 3, 5, 0]);
    expect(g.pairwise).to.deep.equal({ precision: 1, recall: 1, f1: 1 });
    expect(g.bcubed).to.deep.equal({ precision: 1, recall: 1, f1: 1 });
    expect(g.adjustedRandIndex).to.equal(1);
    expect(g.noiseReduction).to.deep.equal({ achieved: 3 / 8, ideal: 3 / 8, ratio: 1 });
  });

  it('lists a message the replay lost and counts it wrong in every classification field', () => {
    const replay = perfect();
    replay.messages = replay.messages.filter((m) => m.index !== 3);
    const score = scoreReplay(truth, replay);
    expect(score.delivery.lost).to.deep.equal([3]);
    expect(score.classification.allFour).to.deep.equal({ count: 7, of: 8, share: 7 / 8 });
    expect(score.classification.fields.org.count).to.equal(7);
    expect(score.classification.mismatches).to.deep.equal([{ index: 3, field: 'message', expected: 'classified', got: 'lost' }]);
    // #3 is routine: alone in the truth, and alone without an event
    expect(score.grouping.withoutEvent).to.equal(1);
    expect(score.grouping.bcubed.f1).to.equal(1);
  });

  it('lists a message the replay printed twice', () => {
    const replay = perfect();
    replay.messages.push({ ...line(replay, 5) });
    const score = scoreReplay(truth, replay);
    expect(score.delivery.doubled).to.deep.equal([5]);
    expect(score.delivery.lost).to.deep.equal([]);
    expect(score.classification.allFour.share).to.equal(1);
  });

  it('shows a wrong org as one mismatch, with what was expected and what came', () => {
    const replay = perfect();
    line(replay, 1).classification!.org = 'datamer.data.db.oltp';
    const score = scoreReplay(truth, replay);
    expect(score.classification.fields.org).to.deep.equal({ count: 7, of: 8, share: 0.875 });
    expect(score.classification.fields.severity.share).to.equal(1);
    expect(score.classification.allFour).to.deep.equal({ count: 7, of: 8, share: 0.875 });
    expect(score.classification.mismatches).to.deep.equal([{ index: 1, field: 'org', expected: 'datamer.data.db.olap', got: 'datamer.data.db.oltp' }]);
  });

  it('compares servers as sets: order does not matter, a missing server does', () => {
    const replay = perfect();
    line(replay, 5).classification!.servers = ['web2.example.test', 'web1.example.test'];
    expect(scoreReplay(truth, replay).classification.fields.servers.share).to.equal(1);
    line(replay, 5).classification!.servers = ['web1.example.test'];
    expect(scoreReplay(truth, replay).classification.fields.servers.count).to.equal(7);
  });

  it('counts a schedule wrong when its tolerance differs', () => {
    const replay = perfect();
    line(replay, 2).classification!.schedule = { period: 'day', n: 1, v: 1 };
    const score = scoreReplay(truth, replay);
    expect(score.classification.fields.schedule.count).to.equal(7);
    expect(score.classification.mismatches[0]).to.deep.equal({ index: 2, field: 'schedule', expected: { period: 'day', n: 1, v: 0 }, got: { period: 'day', n: 1, v: 1 } });
  });

  it('misses a warning when fewer are reported than the tags deserve', () => {
    const replay = perfect();
    line(replay, 8).tagWarnings = line(replay, 8).tagWarnings!.slice(0, 1);
    const score = scoreReplay(truth, replay);
    expect(score.tagWarnings.recall).to.deep.equal({ count: 1, of: 2, share: 0.5 });
    expect(score.tagWarnings.missed).to.deep.equal([8]);
    expect(score.tagWarnings.falseWarnings.count).to.equal(0);
  });

  it('counts a warning on well-tagged mail as a false warning', () => {
    const replay = perfect();
    line(replay, 9).tagWarnings = [{ tag: ':sev:critical', where: 'subject', problem: 'made up' }];
    const score = scoreReplay(truth, replay);
    expect(score.tagWarnings.falseWarnings).to.deep.equal({ count: 1, of: 6, share: 1 / 6 });
    expect(score.tagWarnings.falselyWarned).to.deep.equal([9]);
  });

  it('lists a rejection the truth did not ask for and a stored message it did', () => {
    const replay = perfect();
    replay.messages = replay.messages.filter((m) => m.index !== 2);
    replay.rejected = [{ type: 'rejected', index: 2, reason: 'empty message' }];
    replay.messages.push({ ...line(replay, 3), index: 7, messageId: null, eventId: '8' });
    const score = scoreReplay(truth, replay);
    expect(score.delivery.unexpectedRejections).to.deep.equal([2]);
    expect(score.delivery.storedRejections).to.deep.equal([7]);
    expect(score.delivery.lost).to.deep.equal([]);
    expect(score.classification.mismatches).to.deep.equal([{ index: 2, field: 'message', expected: 'classified', got: 'rejected' }]);
  });

  it('lists a repeat the replay took for a new message, and indexes the truth does not have', () => {
    const replay = perfect();
    Object.assign(line(replay, 6), { duplicateOf: null, eventId: '9' });
    replay.messages.push({ ...line(replay, 9), index: 10 });
    const score = scoreReplay(truth, replay);
    expect(score.delivery.duplicatesMissed).to.deep.equal([{ index: 6, expected: 0, got: null }]);
    expect(score.delivery.unknown).to.deep.equal([10]);
    // a repeat is never scored on its own: classification and grouping do not change
    expect(score.classification.messages).to.equal(8);
    expect(score.grouping.bcubed.f1).to.equal(1);
  });

  it('lists an original the replay took for a repeat', () => {
    const replay = perfect();
    line(replay, 9).duplicateOf = 0;
    expect(scoreReplay(truth, replay).delivery.falseDuplicates).to.deep.equal([{ index: 9, expected: null, got: 0 }]);
  });

  it('calls every schedule alert missed when the replay has no schedule events (today\'s replays)', () => {
    const replay = perfect();
    replay.events = replay.events.filter((e) => e.kind === 'message');
    replay.resolved = [];
    const s = scoreReplay(truth, replay).scheduleAlerts;
    expect(s.missed).to.deep.equal({ count: 2, of: 2, share: 1 });
    expect(s.inTime.count).to.equal(0);
    expect(s.false).to.equal(0);
    expect(s.resolvedInTime).to.deep.equal({ count: 0, of: 1, share: 0 });
  });

  it('counts an alert on a quiet stream as false', () => {
    const replay = perfect();
    replay.events.push({ type: 'event', id: '8', kind: 'schedule-missing', createdAt: '2026-11-24T09:00:00.000Z', stream: QUIET });
    const s = scoreReplay(truth, replay).scheduleAlerts;
    expect(s.false).to.equal(1);
    expect(s.falseOnQuietStreams).to.equal(1);
    expect(s.inTime.count).to.equal(2);
    expect(s.problems).to.deep.equal([{ stream: QUIET, condition: 'missing', problem: 'false', at: '2026-11-24T09:00:00.000Z' }]);
  });

  it('calls an alert raised after its deadline late', () => {
    const replay = perfect();
    replay.events.find((e) => e.id === '7')!.createdAt = '2026-11-25T09:30:00.000Z';
    const s = scoreReplay(truth, replay).scheduleAlerts;
    expect(s.late).to.deep.equal({ count: 1, of: 2, share: 0.5 });
    expect(s.inTime).to.deep.equal({ count: 1, of: 2, share: 0.5 });
    expect(s.problems).to.deep.equal([{ stream: BACKUP, condition: 'missing', problem: 'late', at: '2026-11-25T09:30:00.000Z' }]);
  });

  it('gives one event per message full grouping precision but no pairwise recall', () => {
    const replay = perfect();
    for (const m of replay.messages) m.eventId = `own-${m.duplicateOf ?? m.index}`;
    const g = scoreReplay(truth, replay).grouping;
    // truth pairs: C(3,2) for inc-1 + C(2,2) for inc-2 = 4, none kept
    expect(g.pairwise).to.deep.equal({ precision: 1, recall: 0, f1: 0 });
    // B-cubed recall: inc-1 items 1/3 each, inc-2 items 1/2 each, routine 1 each → (1 + 1 + 3) / 8
    close(g.bcubed.recall, 5 / 8);
    close(g.bcubed.precision, 1);
    close(g.bcubed.f1, (2 * (5 / 8)) / (1 + 5 / 8));
    close(g.adjustedRandIndex, 0);
    expect(g.events).to.equal(8);
    expect(g.noiseReduction).to.deep.equal({ achieved: 0, ideal: 3 / 8, ratio: 0 });
  });

  it('gives all incidents merged into one event full recall but lower precision', () => {
    const replay = perfect();
    line(replay, 4).eventId = '1';
    line(replay, 5).eventId = '1';
    const g = scoreReplay(truth, replay).grouping;
    // claimed pairs C(5,2) = 10, of which 3 + 1 are true
    close(g.pairwise.precision, 0.4);
    close(g.pairwise.recall, 1);
    close(g.pairwise.f1, 0.8 / 1.4);
    // B-cubed precision: inc-1 items 3/5 each, inc-2 items 2/5 each, routine 1 each → 5.6 / 8
    close(g.bcubed.precision, 0.7);
    close(g.bcubed.recall, 1);
    // index 4, expected 4·10/28, max 7 → (4 − 10/7) / (7 − 10/7) = 18/39
    close(g.adjustedRandIndex, 18 / 39);
    // 4 events for 8 messages: more reduction than ideal, bought with wrong merges
    close(g.noiseReduction.achieved, 0.5);
    close(g.noiseReduction.ratio, 0.5 / (3 / 8));
  });
  it('scores a message where its event ended: an event grouping merged counts as the one it merged into', () => {
    // inc-2's two messages, in events of their own, then one merged into the other.
    const split = perfectText.split('\n').map((l) => (l.includes('"index":5,') ? l.replace(/"eventId":"\d+"/, '"eventId":"50"') : l)).join('\n');
    expect(scoreReplay(truth, parseReplay(split)).grouping.pairwise.recall).to.equal(0.75);
    const merged = `${split}\n{"type":"event-merged","id":"50","into":"4","at":"2026-11-23T05:00:00.000Z","reason":"one message joins both"}\n`;
    expect(scoreReplay(truth, parseReplay(merged)).grouping).to.deep.equal(scoreReplay(truth, perfect()).grouping);
  });

  it('scores a corpus with history from scoredFrom on, while an event\'s history still counts against it', () => {
    // History up to 03:30: #0 #1 #2 #3 are replayed, not scored; #4 #5 #8 #9 are.
    const withHistory = { ...truth, historyDays: 1, scoredFrom: '2026-11-23T03:30:00.000Z' };
    const perfectScore = scoreReplay(withHistory, perfect());
    expect(perfectScore.classification.messages).to.equal(4);
    expect(perfectScore.dataset.scoredFrom).to.equal('2026-11-23T03:30:00.000Z');
    const i = perfectScore.incidentGrouping;
    // inc-1's scored mail is #9 alone; with #0 and #1 in its event, it is not over-merged.
    expect([i.messages, i.incidents, i.events, i.overMerged, i.routineSwallowed]).to.deep.equal([3, 2, 2, 0, 0]);
    expect(perfectScore.delivery.messages).to.equal(10);
    // Routine mail of the history (#3) in inc-2's event: over-merged, though #3 is not scored.
    const replay = perfect();
    line(replay, 3).eventId = '4';
    const broken = scoreReplay(withHistory, replay).incidentGrouping;
    expect([broken.overMerged, broken.routineSwallowed]).to.deep.equal([1, 1]);
    close(broken.bcubed.precision, (1 + 2 / 3 + 2 / 3) / 3);
  });

  it('counts a routine problem\'s PROBLEM and RECOVERY in one event as right', () => {
    // #2 and #3 are one routine problem: the replay that puts them together is perfect.
    const labelled = { ...truth, messages: truth.messages.map((m) => (m.index === 2 || m.index === 3 ? { ...m, problem: 'routine-1' } : m)) };
    const replay = perfect();
    line(replay, 3).eventId = '2';
    const g = scoreReplay(labelled, replay).grouping;
    expect(g.pairwise).to.deep.equal({ precision: 1, recall: 1, f1: 1 });
    expect(g.noiseReduction).to.deep.equal({ achieved: 4 / 8, ideal: 4 / 8, ratio: 1 });
    // ...and apart, one pair missed.
    expect(scoreReplay(labelled, perfect()).grouping.pairwise.recall).to.equal(4 / 5);
  });
});
