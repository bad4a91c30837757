import { FakeClock } from '../../../test/support/fake-clock';
import { LogWaiters } from './log-waiters';

describe('LogWaiters', () => {
  it('wakes a waiter as soon as one of its keys is notified', async () => {
    const clock = new FakeClock();
    const waiters = new LogWaiters(clock);
    let woken = false;
    const waiting = waiters.waitForAny(['a', 'b'], 10_000).then(() => (woken = true));
    waiters.notify('c');
    await Promise.resolve();
    expect(woken).toBe(false);
    waiters.notify('b');
    await waiting;
    expect(woken).toBe(true);
    expect(waiters.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('wakes a waiter at its deadline on the clock', async () => {
    const clock = new FakeClock();
    const waiters = new LogWaiters(clock);
    let woken = false;
    const waiting = waiters.waitForAny(['a'], 500).then(() => (woken = true));
    clock.advance(499);
    await Promise.resolve();
    expect(woken).toBe(false);
    clock.advance(1);
    await waiting;
    expect(woken).toBe(true);
  });

  it('wakes everyone on close and does not wait afterwards', async () => {
    const waiters = new LogWaiters(new FakeClock());
    const waiting = waiters.waitForAny(['a'], 60_000);
    waiters.close();
    await expect(waiting).resolves.toBeUndefined();
    await expect(waiters.waitForAny(['a'], 60_000)).resolves.toBeUndefined();
    expect(waiters.size).toBe(0);
  });
});
