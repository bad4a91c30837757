import { startChildBroker } from '../support/child-broker';
import { FakeClock } from '../support/fake-clock';
import { makeTempDir } from '../support/temp-dir';
import { QueueClient } from '../support/queue-client';
import { startTestBroker } from '../support/test-app';

const T0 = 1_763_800_000_000;

describe('share groups: durability', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  it('keeps states, delivery counts, receipts and locks across a restart', async () => {
    const first = await startTestBroker(dir.path, {}, new FakeClock(T0));
    let q = new QueueClient(first.url);
    await q.produce(
      'jobs',
      [0, 1, 2, 3, 4].map((value) => ({ value })),
    );
    await q.putGroup('g', { topics: ['jobs'] });
    const got = (await q.receive('g', { maxRecords: 3 })).records;
    await q.ack('g', [
      { receipt: got[0].receipt, type: 'accept' },
      { receipt: got[1].receipt, type: 'release', delayMs: 10_000 },
    ]);
    const before = await q.describe('g');
    await first.close();

    const second = await startTestBroker(dir.path, {}, new FakeClock(T0 + 1000));
    try {
      q = new QueueClient(second.url);
      // one second later: the same state; only the oldest available record has aged
      before.partitions[0].oldestAvailableAgeMs += 1000;
      expect(await q.describe('g')).toEqual(before);
      const [held] = await q.ack('g', [{ receipt: got[2].receipt, type: 'renew' }]);
      expect(held).toEqual({
        receipt: got[2].receipt,
        ok: true,
        lockExpiresAtMs: T0 + 1000 + 30_000,
      });
      const next = (await q.receive('g', { maxRecords: 10 })).records;
      expect(next.map((r) => [r.value, r.deliveryCount])).toEqual([
        [3, 1],
        [4, 1],
      ]);
      second.clock.advance(9000);
      expect((await q.receive('g')).records.map((r) => [r.value, r.deliveryCount])).toEqual([
        [1, 2],
      ]);
    } finally {
      await second.close();
    }
  });

  it('expires at start-up a lock that ended while the broker was down', async () => {
    const first = await startTestBroker(dir.path, {}, new FakeClock(T0));
    let q = new QueueClient(first.url);
    await q.produce('jobs', [{ value: 'held' }]);
    await q.putGroup('g', { topics: ['jobs'], lockDurationMs: 5000 });
    const [r] = (await q.receive('g')).records;
    await first.close();

    const second = await startTestBroker(dir.path, {}, new FakeClock(T0 + 60_000));
    try {
      q = new QueueClient(second.url);
      const described = await q.describe('g');
      expect(described.partitions[0]).toMatchObject({ acquired: 0, available: 1 });
      const [late] = await q.ack('g', [{ receipt: r.receipt, type: 'accept' }]);
      expect(late.error.code).toBe('LOCK_LOST');
      const [again] = (await q.receive('g')).records;
      expect(again).toMatchObject({ value: 'held', deliveryCount: 2 });
    } finally {
      await second.close();
    }
  });

  it('expires by timer, after a restart, a lock still running at start-up', async () => {
    const first = await startTestBroker(dir.path, {}, new FakeClock(T0));
    let q = new QueueClient(first.url);
    await q.produce('jobs', [{ value: 'held' }]);
    await q.putGroup('g', { topics: ['jobs'], lockDurationMs: 5000 });
    await q.receive('g');
    await first.close();

    const second = await startTestBroker(dir.path, {}, new FakeClock(T0 + 1000));
    try {
      q = new QueueClient(second.url);
      second.clock.advance(4000); // nothing else happened since the start: only the timer runs
      const described = await q.describe('g');
      expect(described.partitions[0]).toMatchObject({ acquired: 0, available: 1 });
    } finally {
      await second.close();
    }
  });

  it('loses no answered acknowledgement when the broker is killed with SIGKILL', async () => {
    const child = await startChildBroker(dir.path);
    let q = new QueueClient(child.url);
    await q.produce(
      'jobs',
      Array.from({ length: 3000 }, (_x, i) => ({ value: i })),
    );
    await q.putGroup('g', { topics: ['jobs'] });

    const accepted = new Set<number>();
    // accepts sent whose answer never came: the broker may or may not have committed them
    const unanswered = new Set<number>();
    let stop = false;
    const worker = async () => {
      for (let round = 0; round < 1000 && !stop; round++) {
        try {
          const got = (await q.receive('g', { maxRecords: 20 })).records;
          if (got.length === 0) return;
          got.forEach((r) => unanswered.add(r.offset as number));
          const results = await q.ack(
            'g',
            got.map((r) => ({ receipt: r.receipt, type: 'accept' })),
          );
          got.forEach((r) => unanswered.delete(r.offset as number));
          results.forEach((res, i) => res.ok && accepted.add(got[i].offset as number));
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    const deadline = Date.now() + 10_000;
    while (accepted.size < 600 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    child.process.kill('SIGKILL');
    await child.exited;
    stop = true;
    await Promise.all(workers);
    expect(accepted.size).toBeGreaterThanOrEqual(600);

    const revived = await startTestBroker(dir.path, {}, new FakeClock(Date.now() + 60_000));
    try {
      q = new QueueClient(revived.url);
      const redelivered: number[] = [];
      for (let round = 0; round < 100; round++) {
        const got = (await q.receive('g', { maxRecords: 1000 })).records;
        if (got.length === 0) break;
        redelivered.push(...got.map((r) => r.offset as number));
        await q.ack(
          'g',
          got.map((r) => ({ receipt: r.receipt, type: 'accept' })),
        );
      }
      expect(redelivered.filter((o) => accepted.has(o))).toEqual([]);
      // every record was accepted with an answer, redelivered, or in an accept cut off by the kill
      const accounted = new Set([...accepted, ...redelivered]);
      const missing = Array.from({ length: 3000 }, (_x, o) => o).filter((o) => !accounted.has(o));
      expect(missing.filter((o) => !unanswered.has(o))).toEqual([]);
      const described = await q.describe('g');
      expect(described.partitions[0]).toMatchObject({ startOffset: 3000, lag: 0 });
    } finally {
      await revived.close();
    }
  });
});
