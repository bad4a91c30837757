import { Admin } from '../src/admin';
import { Producer } from '../src/producer';
import { RecordMetadata } from '../src/records';
import { ShareConsumer } from '../src/share-consumer';
import { StreamConsumer } from '../src/stream-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

describe('clients across a broker restart', () => {
  const fixture = useRealBroker();

  it('reconnect and finish: nothing is lost, and a record is handled again only as a new delivery', async () => {
    const admin = new Admin(fixture.url);
    await admin.createTopic('steady', { partitions: 2 });
    const producer = new Producer({ url: fixture.url, maxBatch: 1000 });
    await producer.produce(
      'steady',
      Array.from({ length: 3000 }, (_x, i) => ({ value: i })),
    );

    const shareSightings = new Map<number, number[]>(); // value -> delivery counts seen
    const share = new ShareConsumer({ url: fixture.url, onError: () => undefined });
    await share.run({
      group: 'survivors',
      topics: ['steady'],
      concurrency: 8,
      // Records the broker acquired for this socket as it shut down stay locked until expiry.
      lockDurationMs: 2000,
      handler: async (r) => {
        const counts = shareSightings.get(r.value as number) ?? [];
        shareSightings.set(r.value as number, [...counts, r.deliveryCount]);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
    const streamBatches: Array<{ partition: number; offsets: number[] }> = [];
    const stream = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    await stream.run({
      group: 'audit',
      topics: ['steady'],
      autoOffsetReset: 'earliest',
      maxRecords: 100,
      pollWaitMs: 200,
      eachBatch: async (batch) => {
        streamBatches.push({
          partition: batch.partition,
          offsets: batch.records.map((r) => r.offset),
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    const streamed = () => streamBatches.reduce((n, b) => n + b.offsets.length, 0);
    await eventually(
      () => shareSightings.size >= 500 && streamed() >= 500,
      20_000,
      'work under way',
    );

    let producedWhileDown: Promise<RecordMetadata[]> | undefined;
    await fixture.restart(() => {
      // Sent while the broker is down: the producer retries until it is back.
      producedWhileDown = producer.produce(
        'steady',
        Array.from({ length: 1000 }, (_x, i) => ({ value: 3000 + i })),
      );
    });
    expect(await producedWhileDown).toHaveLength(1000);
    await producer.close();

    const lags = async () => ({
      share: (await admin.describeShareGroup('survivors')).partitions.reduce(
        (n, p) => n + p.lag,
        0,
      ),
      stream: (await admin.describeStreamGroup('audit')).partitions.reduce(
        (n, p) => n + (p.lag ?? Number.POSITIVE_INFINITY),
        0,
      ),
    });
    await eventually(
      async () =>
        shareSightings.size === 4000 && (await lags()).share === 0 && (await lags()).stream === 0,
      40_000,
      'all handled after the restart',
    );
    await Promise.all([share.stop(), stream.stop()]);

    expect(share.stats.connections).toBeGreaterThanOrEqual(2);
    for (const [value, counts] of shareSightings) {
      // A second sighting is always a later delivery (the lock ended or the socket released it).
      const increasing = counts.every((c, i) => i === 0 || c > counts[i - 1]!);
      expect({ value, counts, increasing }).toEqual({ value, counts, increasing: true });
    }
    expect(new Set(shareSightings.keys()).size).toBe(4000);

    for (const partition of [0, 1]) {
      const batches = streamBatches.filter((b) => b.partition === partition);
      for (const b of batches) {
        expect(b.offsets).toEqual(b.offsets.map((_o, i) => b.offsets[0]! + i)); // in order, no gap
      }
      const offsets = new Set(batches.flatMap((b) => b.offsets));
      const end = (await admin.describeTopic('steady')).partitions[partition]!.logEndOffset;
      expect(offsets.size).toBe(end);
    }
  });
});
