import request from 'supertest';
import { SystemClock } from '../../src/common/clock';
import { makeTempDir } from '../../test/support/temp-dir';
import { startTestBroker, TestBroker } from '../../test/support/test-app';
import { Producer } from '../src/producer';
import { StreamConsumer, StreamRecord } from '../src/stream-consumer';

describe('StreamConsumer against a real broker', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;

  beforeEach(async () => {
    dir = makeTempDir();
    // short sessions, so that a consumer heartbeats every 500 ms while it processes a batch
    broker = await startTestBroker(
      dir.path,
      { WEIR_MIN_SESSION_TIMEOUT_MS: '1500' },
      new SystemClock(),
    );
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  it('reads a keyed stream in order per partition across a rebalance between two instances', async () => {
    await request(broker.url).post('/topics').send({ name: 'clicks', partitions: 4 }).expect(201);
    const producer = new Producer({ url: broker.url, maxBatch: 1000 });
    const total = 4000;
    await producer.send(
      'clicks',
      Array.from({ length: total }, (_x, i) => ({ key: `user-${i % 40}`, value: i })),
    );
    await producer.close();

    const seen: Record<string, StreamRecord[]> = { a: [], b: [] };
    const assignments: Record<string, number> = { a: 0, b: 0 };
    const consumer = (name: 'a' | 'b') =>
      new StreamConsumer({
        url: broker.url,
        group: 'analytics',
        topics: ['clicks'],
        autoOffsetReset: 'earliest',
        maxRecords: 200,
        waitMs: 200,
        onAssignment: () => (assignments[name] = (assignments[name] ?? 0) + 1),
        eachBatch: async (records) => {
          seen[name]!.push(...records);
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      });
    const a = consumer('a');
    const runningA = a.run();
    const deadline = Date.now() + 20_000;
    while (seen.a!.length < 800 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const b = consumer('b');
    const runningB = b.run();
    const lag = async () => {
      const res = await request(broker.url).get('/streams/groups/analytics').expect(200);
      return (res.body.partitions as Array<{ lag: number | null }>).reduce(
        (n, p) => n + (p.lag ?? Infinity),
        0,
      );
    };
    while ((await lag()) > 0 && Date.now() < deadline + 20_000)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([runningA, runningB]);

    expect(await lag()).toBe(0);
    expect(assignments.b).toBeGreaterThan(0);
    expect(seen.b!.length).toBeGreaterThan(0);
    for (const name of ['a', 'b']) {
      const last = new Map<number, number>();
      for (const r of seen[name]!) {
        expect(r.offset).toBeGreaterThan(last.get(r.partition) ?? -1);
        last.set(r.partition, r.offset);
      }
    }
    const values = new Set([...seen.a!, ...seen.b!].map((r) => r.value as number));
    expect(values.size).toBe(total);
  });

  it('keeps the partitions of a batch in progress when another instance joins, and commits the batch', async () => {
    await request(broker.url).post('/topics').send({ name: 'orders', partitions: 2 }).expect(201);
    const producer = new Producer({ url: broker.url, maxBatch: 100 });
    const total = 20;
    await producer.send(
      'orders',
      Array.from({ length: total }, (_x, i) => ({ partition: i % 2, value: i })),
    );
    await producer.close();

    const errors: unknown[] = [];
    const seen: Record<string, number[]> = { a: [], b: [] };
    let rebalancedDuringBatch: () => void = () => undefined;
    const rebalanced = new Promise<void>((resolve) => (rebalancedDuringBatch = resolve));
    let batchStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (batchStarted = resolve));
    let firstGeneration: number | undefined;
    let inBatch = false;
    const options = {
      url: broker.url,
      group: 'billing',
      topics: ['orders'],
      autoOffsetReset: 'earliest' as const,
      sessionTimeoutMs: 1500,
      waitMs: 100,
      onError: (error: unknown) => errors.push(error),
    };
    const a: StreamConsumer = new StreamConsumer({
      ...options,
      onAssignment: (generation) => {
        firstGeneration ??= generation;
        if (inBatch && generation > firstGeneration) rebalancedDuringBatch();
      },
      eachBatch: async (records) => {
        seen.a!.push(...records.map((r) => r.value as number));
        if (inBatch || seen.a!.length > records.length) return;
        inBatch = true;
        batchStarted();
        // a heartbeat sent during this batch learned that b joined (a new generation)
        await withDeadline(rebalanced, 10_000, 'a heartbeat during the batch');
        const view = await request(broker.url).get('/streams/groups/billing').expect(200);
        expect(view.body.members).toHaveLength(2);
        expect(view.body.partitions.map((p: { memberId: string }) => p.memberId)).toEqual([
          a.currentMemberId,
          a.currentMemberId,
        ]);
        expect(b.currentAssignment).toEqual([]);
        expect(seen.b).toEqual([]);
        inBatch = false;
      },
    });
    const b: StreamConsumer = new StreamConsumer({
      ...options,
      eachBatch: (records) => {
        seen.b!.push(...records.map((r) => r.value as number));
        return Promise.resolve();
      },
    });
    const lag = async () => {
      const res = await request(broker.url).get('/streams/groups/billing').expect(200);
      return (res.body.partitions as Array<{ lag: number | null }>).reduce(
        (n, p) => n + (p.lag ?? Infinity),
        0,
      );
    };
    try {
      void a.run();
      await withDeadline(started, 10_000, "a's first batch");
      void b.run();
      await withDeadline(rebalanced, 10_000, 'the rebalance during the batch');
      const deadline = Date.now() + 10_000;
      while ((await lag()) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]); // stop resolves once the run loop ended
    }

    expect(errors).toEqual([]);
    expect(await lag()).toBe(0);
    const all = [...seen.a!, ...seen.b!].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: total }, (_x, i) => i)); // each record once
  });
});

/** Fails with `label` if `promise` has not settled within `timeoutMs`. */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
