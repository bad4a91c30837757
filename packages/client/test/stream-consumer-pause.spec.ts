import { Admin } from '../src/admin';
import { Producer } from '../src/producer';
import { StreamConsumer } from '../src/stream-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

describe('StreamConsumer.pause', () => {
  const fixture = useRealBroker();
  let consumer: StreamConsumer | undefined;
  let fetchSpy: jest.SpyInstance | undefined;

  afterEach(async () => {
    fetchSpy?.mockRestore();
    await consumer?.stop();
    consumer = undefined;
  });

  it('does not fetch a paused partition, and on resume reads on from where it stopped without a reset', async () => {
    await new Admin(fixture.url).createTopic('metrics', { partitions: 2 });
    const producer = new Producer({ url: fixture.url, maxBatch: 1000 });
    for (const partition of [0, 1]) {
      await producer.produce(
        'metrics',
        Array.from({ length: 2000 }, (_x, i) => ({ partition, value: i })),
      );
    }
    // Every poll answer and every request path, as the client saw them.
    const fetched: number[] = [];
    const paths: string[] = [];
    const realFetch = globalThis.fetch;
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      paths.push(new URL(url).pathname);
      const response = await realFetch(input, init);
      if (url.endsWith('/poll') && response.ok) {
        const answer = (await response.clone().json()) as { records: Array<{ partition: number }> };
        fetched.push(...answer.records.map((r) => r.partition));
      }
      return response;
    });
    const seen: Record<number, number[]> = { 0: [], 1: [] };
    consumer = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    consumer.pause('metrics', 1);
    await consumer.run({
      group: 'dashboards',
      topics: ['metrics'],
      autoOffsetReset: 'earliest',
      maxRecords: 500,
      pollWaitMs: 100,
      eachBatch: (batch) => {
        seen[batch.partition]!.push(...batch.records.map((r) => r.offset));
        return Promise.resolve();
      },
    });
    await eventually(() => seen[0]!.length === 2000, 10_000, 'partition 0 read');
    expect(fetched.filter((p) => p === 1)).toEqual([]); // not one record of it came over the wire
    expect(seen[1]).toEqual([]);

    await consumer.resume('metrics', 1);
    await eventually(() => seen[1]!.length === 2000, 10_000, 'partition 1 read after resume');
    expect(seen[1]).toEqual(Array.from({ length: 2000 }, (_x, i) => i));
    expect(fetched.filter((p) => p === 1)).toHaveLength(2000); // each record fetched once
    expect(paths.some((p) => p.endsWith('/offsets/reset'))).toBe(false);
  });
});
