import { expect } from 'chai';
import { VirtualClock } from '../../src/clock.js';

describe('the virtual clock', () => {
  it('moves only when told to', () => {
    const clock = new VirtualClock('2026-11-23T08:00:00Z');
    expect(clock.now().toISOString()).to.equal('2026-11-23T08:00:00.000Z');
    clock.advance(90_000);
    expect(clock.now().toISOString()).to.equal('2026-11-23T08:01:30.000Z');
  });

  it('never runs backwards when a replayed message carries an earlier date', () => {
    const clock = new VirtualClock('2026-11-23T08:00:00Z');
    clock.set(new Date('2026-11-23T07:00:00Z'));
    expect(clock.now().toISOString()).to.equal('2026-11-23T08:00:00.000Z');
    clock.set(new Date('2026-11-23T09:00:00Z'));
    expect(clock.now().toISOString()).to.equal('2026-11-23T09:00:00.000Z');
  });
});
