import { Admin } from '../src/admin';
import { NonRetriableError } from '../src/errors';
import { Producer } from '../src/producer';
import { ShareRecord } from '../src/records';
import { ShareConsumer } from '../src/share-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

describe('ShareConsumer against a real broker', () => {
  const fixture = useRealBroker();
  let consumer: ShareConsumer | undefined;

  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });

  const lag = async (group: string) =>
    (await new Admin(fixture.url).describeShareGroup(group)).partitions.reduce(
      (n, p) => n + p.lag,
      0,
    );

  it('handles each of 20,000 produced records exactly once with concurrency 16', async () => {
    const admin = new Admin(fixture.url);
    await admin.createTopic('jobs', { partitions: 4 });
    const producer = new Producer({ url: fixture.url, maxBatch: 1000 });
    const metadata = await producer.produce(
      'jobs',
      Array.from({ length: 20_000 }, (_x, i) => ({ key: `k${i % 50}`, value: i })),
    );
    await producer.close();
    expect(new Set(metadata.map((m) => `${m.partition}:${m.offset}`)).size).toBe(20_000);

    const seen = new Map<number, number>();
    let running = 0;
    let mostRunning = 0;
    consumer = new ShareConsumer({ url: fixture.url });
    const worker = consumer;
    await worker.run({
      group: 'workers',
      topics: ['jobs'],
      concurrency: 16,
      handler: async (r) => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        seen.set(r.value as number, (seen.get(r.value as number) ?? 0) + 1);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
      },
    });
    await eventually(
      async () => worker.stats.accepted === 20_000 && (await lag('workers')) === 0,
      40_000,
      'all 20,000 accepted',
    );
    expect(seen.size).toBe(20_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(mostRunning).toBeLessThanOrEqual(16);
    expect(mostRunning).toBeGreaterThan(1);
    expect(worker.stats).toMatchObject({
      received: 20_000,
      released: 0,
      rejected: 0,
      lockLost: 0,
      adopted: 0,
    });
  });

  it('retries records whose handler throws until the limit, then dead-letters them; NonRetriableError rejects at once', async () => {
    const admin = new Admin(fixture.url);
    await admin.putShareGroup('picky', { topics: ['work'], maxDeliveryCount: 3, backoffMs: null });
    await new Producer({ url: fixture.url }).produce('work', [
      { value: 'ok' },
      { value: 'flaky' },
      { value: 'poison' },
    ]);
    const counts: Record<string, number[]> = { ok: [], flaky: [], poison: [] };
    consumer = new ShareConsumer({ url: fixture.url });
    const worker = consumer;
    await worker.run({
      group: 'picky',
      topics: ['work'],
      concurrency: 4,
      handler: (r: ShareRecord) => {
        counts[r.value as string]!.push(r.deliveryCount);
        if (r.value === 'flaky') throw new Error('try again');
        if (r.value === 'poison') throw new NonRetriableError('cannot parse');
      },
    });
    await eventually(
      async () => worker.stats.released === 3 && (await lag('picky')) === 0,
      15_000,
      'group done',
    );
    expect(counts).toEqual({ ok: [1], flaky: [1, 2, 3], poison: [1] });
    expect(worker.stats).toMatchObject({ accepted: 1, released: 3, rejected: 1 });
    const dlq = await admin.readRecords('dlq.picky.work', 0, { offset: 0 });
    const byValue = Object.fromEntries(dlq.records.map((r) => [String(r.value), r.headers ?? {}]));
    expect(Object.keys(byValue).sort()).toEqual(['flaky', 'poison']);
    expect(byValue.flaky).toMatchObject({
      'weir-dlq-reason': 'DELIVERY_COUNT_EXCEEDED',
      'weir-dlq-delivery-count': '3',
    });
    expect(byValue.poison).toMatchObject({
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-error': 'cannot parse',
    });
  });

  it('keeps the lock of a slow handler by renewing it, so the record is not redelivered', async () => {
    const admin = new Admin(fixture.url);
    await admin.putShareGroup('slow', { topics: ['long'], lockDurationMs: 1000 });
    await new Producer({ url: fixture.url }).produce('long', [{ value: 'takes a while' }]);
    const deliveries: number[] = [];
    let aborted = false;
    consumer = new ShareConsumer({ url: fixture.url });
    const worker = consumer;
    await worker.run({
      group: 'slow',
      topics: ['long'],
      concurrency: 2,
      lockDurationMs: 1000,
      renewFraction: 0.3, // renew 700 ms before the lock ends: room for a busy machine
      handler: async (r, { signal }) => {
        deliveries.push(r.deliveryCount);
        await new Promise((resolve) => setTimeout(resolve, 2500));
        aborted = signal.aborted;
      },
    });
    await eventually(
      async () => worker.stats.accepted === 1 && (await lag('slow')) === 0,
      15_000,
      'slow record accepted',
    );
    expect(deliveries).toEqual([1]);
    expect(aborted).toBe(false);
    expect(worker.stats.renewed).toBeGreaterThanOrEqual(2);
    expect(worker.stats).toMatchObject({ received: 1, lockLost: 0, released: 0 });
    const group = await admin.describeShareGroup('slow');
    expect(group.partitions[0]).toMatchObject({ acquired: 0, startOffset: 1 });
  });

  it('stops taking work, lets running handlers answer, and leaves the rest available', async () => {
    await new Producer({ url: fixture.url }).produce(
      'tasks',
      Array.from({ length: 4 }, (_x, i) => ({ value: i })),
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const worker = new ShareConsumer({ url: fixture.url });
    await worker.run({
      group: 'stopping',
      topics: ['tasks'],
      concurrency: 2,
      handler: async (r) => {
        started.push(r.value as number);
        await gate;
      },
    });
    await eventually(() => started.length === 2, 5000, 'two handlers running');
    const stopped = worker.stop();
    release();
    await stopped;
    // The two records never started were not handed back only to come straight back again.
    expect(worker.stats).toMatchObject({ accepted: 2, received: 4 });
    const group = await new Admin(fixture.url).describeShareGroup('stopping');
    expect(group.partitions[0]).toMatchObject({ acquired: 0, startOffset: 2, lag: 2 });
  });

  it('adopts the redelivery of a record whose handler still runs after a reconnect, and accepts it once', async () => {
    await new Producer({ url: fixture.url }).produce('reports', [{ value: 'quarterly' }]);
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const calls: number[] = [];
    consumer = new ShareConsumer({ url: fixture.url, onError: () => undefined });
    const worker = consumer;
    await worker.run({
      group: 'reporters',
      topics: ['reports'],
      concurrency: 2,
      handler: async (r) => {
        calls.push(r.deliveryCount);
        await gate;
      },
    });
    await eventually(() => calls.length === 1, 5000, 'handler running');
    // The connection breaks: the broker releases the record and delivers it again.
    (worker as unknown as { socket: { reconnect(): void } }).socket.reconnect();
    await eventually(() => worker.stats.adopted === 1, 10_000, 'redelivery adopted');
    finish();
    await eventually(
      async () => worker.stats.accepted === 1 && (await lag('reporters')) === 0,
      5000,
      'accepted under the new receipt',
    );
    expect(calls).toEqual([1]);
    expect(worker.stats).toMatchObject({ received: 2, connections: 2, lockLost: 0 });
  });
});
