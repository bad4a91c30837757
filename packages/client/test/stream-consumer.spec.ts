import { Admin } from '../src/admin';
import { StreamBatch } from '../src/partition-positions';
import { Producer } from '../src/producer';
import { TopicPartition } from '../src/records';
import { StreamConsumer, StreamRunOptions } from '../src/stream-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

describe('StreamConsumer against a real broker', () => {
  const fixture = useRealBroker();
  const consumers: StreamConsumer[] = [];

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  /** Starts a consumer of group `group` on topic `topic`, reading from the earliest offset. */
  const start = async (
    group: string,
    topic: string,
    eachBatch: StreamRunOptions['eachBatch'],
    extra: Partial<StreamRunOptions> = {},
  ) => {
    const consumer = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    consumers.push(consumer);
    await consumer.run({
      group,
      topics: [topic],
      autoOffsetReset: 'earliest',
      maxRecords: 100,
      pollWaitMs: 200,
      eachBatch,
      ...extra,
    });
    return consumer;
  };

  const lag = async (group: string) =>
    (await new Admin(fixture.url).describeStreamGroup(group)).partitions.reduce(
      (n, p) => n + (p.lag ?? Number.POSITIVE_INFINITY),
      0,
    );

  it('reads a keyed stream in order per partition across a rebalance between two instances', async () => {
    await new Admin(fixture.url).createTopic('clicks', { partitions: 4 });
    const producer = new Producer({ url: fixture.url, maxBatch: 1000, maxInFlight: 1 });
    const total = 4000;
    await producer.produce(
      'clicks',
      Array.from({ length: total }, (_x, i) => ({ key: `user-${i % 40}`, value: i })),
    );
    await producer.close();

    // One thread: the order of this log is the order in which batches ran, over both instances.
    const log: Array<{ instance: 'a' | 'b'; batch: StreamBatch }> = [];
    const assignments: Record<'a' | 'b', TopicPartition[][]> = { a: [], b: [] };
    const instance = (name: 'a' | 'b') =>
      start(
        'analytics',
        'clicks',
        async (batch) => {
          log.push({ instance: name, batch });
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
        { onAssignment: (assignment) => assignments[name].push(assignment) },
      );
    await instance('a');
    await eventually(() => log.length >= 8, 20_000, 'a under way');
    await instance('b');
    await eventually(async () => (await lag('analytics')) === 0, 30_000, 'group caught up');

    expect(assignments.a[0]).toHaveLength(4);
    expect(assignments.b.at(-1)?.length).toBeGreaterThan(0);
    expect(log.some((l) => l.instance === 'b')).toBe(true);
    for (let partition = 0; partition < 4; partition++) {
      const offsets = log
        .filter((l) => l.batch.partition === partition)
        .flatMap((l) => l.batch.records.map((r) => r.offset));
      // Each record once, in offset order, across the handover from a to b.
      expect(offsets).toEqual(offsets.map((_o, i) => i));
    }
    const lastByKey = new Map<string, number>();
    for (const r of log.flatMap((l) => l.batch.records)) {
      const key = String(r.key);
      expect(r.value as number).toBeGreaterThan(lastByKey.get(key) ?? -1);
      lastByKey.set(key, r.value as number);
    }
    expect(lastByKey.size).toBe(40);
  });

  it('holds a paused partition back and reads it from where it stopped on resume', async () => {
    const producer = new Producer({ url: fixture.url });
    await new Admin(fixture.url).createTopic('events', { partitions: 2 });
    for (const partition of [0, 1]) {
      await producer.produce(
        'events',
        Array.from({ length: 150 }, (_x, i) => ({ partition, value: i })),
      );
    }
    const seen: Record<number, number[]> = { 0: [], 1: [] };
    const consumer = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    consumers.push(consumer);
    consumer.pause('events', 1);
    await consumer.run({
      group: 'pausing',
      topics: ['events'],
      autoOffsetReset: 'earliest',
      maxRecords: 40,
      pollWaitMs: 100,
      eachBatch: (batch) => {
        seen[batch.partition]!.push(...batch.records.map((r) => r.offset));
        return Promise.resolve();
      },
    });
    await eventually(() => seen[0]!.length === 150, 10_000, 'partition 0 read');
    const committed = async (partition: number) =>
      (await new Admin(fixture.url).describeStreamGroup('pausing')).partitions.find(
        (p) => p.partition === partition,
      )?.committedOffset;
    await eventually(async () => (await committed(0)) === 150, 10_000, 'partition 0 committed');
    expect(await committed(1)).toBeNull();
    expect(seen[1]).toEqual([]);
    await consumer.resume('events', 1);
    await eventually(async () => (await lag('pausing')) === 0, 10_000, 'partition 1 read');
    expect(seen[1]).toEqual(Array.from({ length: 150 }, (_x, i) => i));
    expect(seen[0]).toEqual(Array.from({ length: 150 }, (_x, i) => i));
  });

  it('seeks a partition back, and reads a batch that failed again before going on', async () => {
    await new Producer({ url: fixture.url }).produce(
      'ledger',
      Array.from({ length: 100 }, (_x, i) => ({ value: i })),
    );
    const handled: number[] = [];
    let failures = 0;
    const consumer = await start(
      'ledger-readers',
      'ledger',
      (batch) => {
        const offsets = batch.records.map((r) => r.offset);
        if (offsets.includes(30) && failures === 0) {
          failures += 1;
          return Promise.reject(new Error('the database blinked'));
        }
        handled.push(...offsets);
        return Promise.resolve();
      },
      { maxRecords: 20 },
    );
    await eventually(async () => (await lag('ledger-readers')) === 0, 10_000, 'all read');
    expect(failures).toBe(1);
    expect(handled).toEqual(Array.from({ length: 100 }, (_x, i) => i));

    await consumer.seek('ledger', 0, 60);
    await eventually(() => handled.length === 140, 10_000, 'read again from 60');
    expect(handled.slice(100)).toEqual(Array.from({ length: 40 }, (_x, i) => 60 + i));
    // the batch's commit follows its handler: wait for it to land rather than race it
    await eventually(
      async () => (await lag('ledger-readers')) === 0,
      10_000,
      'committed to the end again',
    );
  });

  it('lets a seek made inside eachBatch win over the commit of that batch', async () => {
    await new Producer({ url: fixture.url }).produce(
      'replay',
      Array.from({ length: 50 }, (_x, i) => ({ value: i })),
    );
    const handled: number[] = [];
    let replayed = false;
    const self: StreamConsumer = await start(
      'replayers',
      'replay',
      async (batch) => {
        const offsets = batch.records.map((r) => r.offset);
        handled.push(...offsets);
        if (!replayed && offsets.includes(49)) {
          replayed = true;
          await self.seek('replay', 0, 40);
        }
      },
      { maxRecords: 25 },
    );
    await eventually(
      async () => handled.length === 60 && (await lag('replayers')) === 0,
      10_000,
      'read again from 40',
    );
    expect(handled).toEqual([
      ...Array.from({ length: 50 }, (_x, i) => i),
      ...Array.from({ length: 10 }, (_x, i) => 40 + i),
    ]);
  });
});
