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
    broker = await startTestBroker(dir.path, {}, new SystemClock());
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
});
