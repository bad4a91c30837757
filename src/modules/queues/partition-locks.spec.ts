import { PartitionLocks } from './partition-locks';

/** A promise with its resolve function, to finish an operation when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('PartitionLocks', () => {
  it('starts an operation on free partitions within the call', () => {
    const locks = new PartitionLocks();
    let started = false;
    void locks.run(['a'], () => {
      started = true;
      return Promise.resolve();
    });
    expect(started).toBe(true);
  });

  it('runs the operations on one partition one after the other, in order', async () => {
    const locks = new PartitionLocks();
    const events: string[] = [];
    const first = gate();
    const one = locks.run(['a'], async () => {
      events.push('1 starts');
      await first.promise;
      events.push('1 ends');
    });
    const two = locks.run(['a'], () => {
      events.push('2 starts');
      return Promise.resolve();
    });
    await Promise.resolve();
    expect(events).toEqual(['1 starts']);
    first.open();
    await Promise.all([one, two]);
    expect(events).toEqual(['1 starts', '1 ends', '2 starts']);
  });

  it('runs operations on other partitions meanwhile', async () => {
    const locks = new PartitionLocks();
    const held = gate();
    const one = locks.run(['a'], () => held.promise);
    let otherRan = false;
    await locks.run(['b'], () => {
      otherRan = true;
      return Promise.resolve();
    });
    expect(otherRan).toBe(true);
    held.open();
    await one;
  });

  it('never deadlocks operations that take several partitions in different orders', async () => {
    const locks = new PartitionLocks();
    const held = gate();
    const first = locks.run(['a'], () => held.promise);
    const both = locks.run(['b', 'a'], () => Promise.resolve('ab'));
    const reversed = locks.run(['a', 'b'], () => Promise.resolve('ba'));
    held.open();
    await expect(Promise.all([first, both, reversed])).resolves.toEqual([undefined, 'ab', 'ba']);
    expect(locks.isHeld('a') || locks.isHeld('b')).toBe(false);
  });

  it('frees the partitions of an operation that failed', async () => {
    const locks = new PartitionLocks();
    await expect(locks.run(['a'], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(() => locks.run(['a'], () => Promise.resolve())).not.toThrow();
    expect(locks.isHeld('a')).toBe(true);
    await locks.whenIdle();
    expect(locks.isHeld('a')).toBe(false);
  });

  it('says when no operation holds anything any more', async () => {
    const locks = new PartitionLocks();
    await expect(locks.whenIdle()).resolves.toBeUndefined();
    const held = gate();
    const one = locks.run(['a', 'b'], () => held.promise);
    let idle = false;
    const waiting = locks.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    held.open();
    await Promise.all([one, waiting]);
    expect(idle).toBe(true);
  });
});
