import { expect } from 'chai';
import { MemoryBudget } from '../../../src/mailboxes/smtp/memory.js';

describe("the SMTP listener's memory budget", () => {
  it('takes arriving bytes only while they fit and no message waits for its turn', async () => {
    const memory = new MemoryBudget(100);
    expect(memory.take(60)).to.equal(true);
    expect(memory.take(50)).to.equal(false);
    let granted = false;
    const turn = memory.turn(50).then(() => (granted = true));
    // 40 bytes would fit, but a message waits: arriving bytes go to their files instead.
    expect(memory.take(10)).to.equal(false);
    memory.give(60);
    await turn;
    expect(granted).to.equal(true);
    expect([memory.held, memory.peak]).to.deep.equal([50, 60]);
  });

  it('grants turns in order of asking, and one larger than the whole budget when it is alone', async () => {
    const memory = new MemoryBudget(100);
    const order: string[] = [];
    memory.take(30);
    const big = memory.turn(150).then(() => order.push('big'));
    const small = memory.turn(10).then(() => order.push('small'));
    await Promise.resolve();
    expect(order).to.deep.equal([]);
    memory.give(30);
    await big;
    // The small one waits behind the big one, which is alone.
    expect(order).to.deep.equal(['big']);
    memory.give(150);
    await small;
    expect(order).to.deep.equal(['big', 'small']);
    expect(memory.held).to.equal(10);
  });
});
