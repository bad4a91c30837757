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
    errors.splice(0);
    fetchSpy.mockRestore();
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  const errors: unknown[] = [];
  const member = async (eachBatch: (batch: StreamBatch) => Promise<void>) => {
    const consumer = new StreamConsumer({ url: fixture.url, onError: (e) => errors.push(e) });
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
    // The commit names a generation learned from a heartbeat during the batch (b's join moved
    // the group on), and the broker takes it: per-member fencing refuses only a member that lost
    // the partition, and the group may have moved on again since (a handover after the commit).
    const commits = sentBodies(fetchSpy, '/offsets');
    expect(commits[0]!.generation).toBeGreaterThan(joinGeneration);
    await eventually(
      async () =>
        (await new Admin(fixture.url).describeStreamGroup('billing')).partitions.some(
          (p) => p.partition === 0 && p.committedOffset === 2,
        ),
      5000,
      'the batch of partition 0 committed',
    );
    expect(errors).toEqual([]);
  });

  it('does not hand over a partition while a batch of it runs: the new owner resumes where the old one committed', async () => {
    await new Admin(fixture.url).createTopic('invoices', { partitions: 2 });
    const producer = new Producer({ url: fixture.url });
    for (const partition of [0, 1]) {
      await producer.produce(
        'invoices',
        Array.from({ length: 20 }, (_x, i) => ({ partition, value: i })),
      );
    }
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let gated = 0;
    const record = (batch: StreamBatch) =>
      handled.push(...batch.records.map((r) => `${r.partition}/${r.offset}`));
    // Of a's first poll, one partition's batch is done (not committed yet) and the other's runs
    // while b joins: whichever partition b is given, a still reads it.
    await member(async (batch) => {
      if (gated++ === 1) await gate;
      record(batch);
    });
    await eventually(() => gated === 2, 5000, 'the second batch running');
    let bAssigned = false;
    const b = new StreamConsumer({ url: fixture.url, onError: () => undefined });
    consumers.push(b);
    await b.run({
      group: 'billing',
      topics: ['invoices'],
      autoOffsetReset: 'earliest',
      pollWaitMs: 100,
      heartbeatIntervalMs: 50,
      eachBatch: (batch) => Promise.resolve(void record(batch)),
      onAssignment: (assignment) => (bAssigned ||= assignment.length > 0),
    });
    const heartbeats = sentBodies(fetchSpy, '/heartbeat').length;
    await eventually(
      () => sentBodies(fetchSpy, '/heartbeat').length >= heartbeats + 4,
      5000,
      'heartbeats of a and b while a handles its batch',
    );
    release();
    await eventually(() => bAssigned && handled.length >= 40, 10_000, 'both partitions read');
    await eventually(
      async () =>
        (await new Admin(fixture.url).describeStreamGroup('billing')).partitions.every(
          (p) => p.lag === 0,
        ),
      5000,
      'all committed',
    );
    expect(handled).toHaveLength(40);
    expect(new Set(handled).size).toBe(40);
  });
});
