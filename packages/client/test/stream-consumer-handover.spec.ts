import { Admin } from '../src/admin';
import { StreamBatch } from '../src/partition-positions';
import { Producer } from '../src/producer';
import { StreamConsumer } from '../src/stream-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

/** The JSON bodies the client sent to paths ending in `suffix`, in order. */
function sentBodies(spy: jest.SpyInstance, suffix: string): Array<Record<string, unknown>> {
  return spy.mock.calls
    .filter(([url]) => String(url).split('?')[0]!.endsWith(suffix))
    .map(([, init]) => JSON.parse(typeof init?.body === 'string' ? init.body : '{}'));
}

describe('StreamConsumer heartbeats and commits while it processes a batch', () => {
  const fixture = useRealBroker();
  const consumers: StreamConsumer[] = [];
  let fetchSpy: jest.SpyInstance;

  beforeEach(() => (fetchSpy = jest.spyOn(globalThis, 'fetch')));
  afterEach(async () => {
    fetchSpy.mockRestore();
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  const member = async (eachBatch: (batch: StreamBatch) => Promise<void>) => {
    const consumer = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    consumers.push(consumer);
    await consumer.run({
      group: 'billing',
      topics: ['invoices'],
      autoOffsetReset: 'earliest',
      pollWaitMs: 100,
      heartbeatIntervalMs: 50,
      eachBatch,
    });
    return consumer;
  };

  it('names the partitions still in hand in its heartbeats, and commits with the generation it last learned', async () => {
    await new Admin(fixture.url).createTopic('invoices', { partitions: 2 });
    const producer = new Producer({ url: fixture.url });
    for (const partition of [0, 1]) {
      await producer.produce('invoices', [
        { partition, value: 'a' },
        { partition, value: 'b' },
      ]);
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    await member(async (batch) => {
      if (batch.partition === 0 && !started) {
        started = true;
        await gate;
      }
    });
    await eventually(() => started, 5000, 'the first batch running');
    const joinGeneration = (await new Admin(fixture.url).describeStreamGroup('billing')).generation;
    await member(() => Promise.resolve());
    const heartbeatsBefore = sentBodies(fetchSpy, '/heartbeat').length;
    await eventually(
      () => sentBodies(fetchSpy, '/heartbeat').length >= heartbeatsBefore + 2,
      5000,
      'heartbeats during the batch',
    );
    const heartbeatsDuringBatch = sentBodies(fetchSpy, '/heartbeat').length;
    release();
    await eventually(() => sentBodies(fetchSpy, '/offsets').length > 0, 5000, 'a commit');

    const owned = sentBodies(fetchSpy, '/heartbeat').map((b) => b.owned);
    expect(owned.slice(0, heartbeatsDuringBatch)).toContainEqual([
      { topic: 'invoices', partition: 0 },
      { topic: 'invoices', partition: 1 },
    ]);
    const learned = (await new Admin(fixture.url).describeStreamGroup('billing')).generation;
    expect(learned).toBeGreaterThan(joinGeneration);
    const commits = sentBodies(fetchSpy, '/offsets');
    expect(commits[0]).toMatchObject({ generation: learned });
  });
});
