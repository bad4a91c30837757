import request from 'supertest';
import { QueueClient } from './queue-client';
import { StreamClient } from './stream-client';
import type { TestBroker } from './test-app';
import { WsTestClient } from './ws-client';

/** What the scripted scenario leaves behind: scrapes taken on the way and facts to check. */
export interface MetricsScenario {
  /** Share group `g` at T1 + 500 ms: first acknowledgements done, two records still locked. */
  midway: string;
  /** Stream group `sg` with both members, before `b` leaves. */
  beforeLeave: string;
  /** Everything done, `b` gone. */
  final: string;
  /** Clock when the `jobs` records were produced (after the retention step). */
  t1Ms: number;
  /** The `events` partitions members `a` and `b` owned before `b` left. */
  partitionOfA: number;
  partitionOfB: number;
}

async function scrape(url: string): Promise<string> {
  return (await request(url).get('/metrics').expect(200)).text;
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Drives one broker through every kind of event the dashboard shows, with the fake clock:
 *
 * 1. Retention: topic `logs` (retentionMs 30 s) gets 3 records; share group `audit` is created
 *    on it; the clock moves one retention interval; retention deletes the 3 records and
 *    `audit`'s next receive skips them.
 * 2. Share group `g` (lockDurationMs 1000, maxDeliveryCount 2) on `jobs` with 6 records:
 *    receive all 6; accept 0 and 1, release 2, reject 3; +500 ms (scrape `midway`); +500 ms:
 *    locks of 4 and 5 expire; receive 2, 4, 5 again; accept 2 and 4; +1000 ms: 5's lock
 *    expires on its last allowed delivery, so it is dead-lettered.
 * 3. Stream group `sg` on `events` (2 partitions, 2 records each: one HTTP produce to
 *    partition 0, one WebSocket produce to partition 1): members `a` and `b` join, `a`
 *    heartbeats with an empty `owned` list (hands a partition over), both poll, `a` commits 2 and `b` commits 1 in their
 *    partitions (scrape `beforeLeave`), `b` leaves (scrape `final`).
 */
export async function runMetricsScenario(broker: TestBroker): Promise<MetricsScenario> {
  const { url, clock } = broker;
  const q = new QueueClient(url);
  const s = new StreamClient(url, 'sg');

  await request(url)
    .post('/topics')
    .send({ name: 'logs', partitions: 1, config: { retentionMs: 30_000 } })
    .expect(201);
  await q.produce('logs', [{ value: 'x' }, { value: 'y' }, { value: 'z' }]);
  await q.putGroup('audit', { topics: ['logs'] });
  await clock.advanceAsync(broker.config.retentionIntervalMs);
  expectEqual((await q.receive('audit')).records, [], 'audit receive after retention');

  const t1Ms = clock.now();
  await q.produce(
    'jobs',
    [0, 1, 2, 3, 4, 5].map((value) => ({ value })),
  );
  await q.putGroup('g', { topics: ['jobs'], lockDurationMs: 1000, maxDeliveryCount: 2 });
  const first = (await q.receive('g', { maxRecords: 10 })).records;
  expectEqual(
    first.map((r) => [r.offset, r.deliveryCount]),
    [0, 1, 2, 3, 4, 5].map((o) => [o, 1]),
    'first deliveries',
  );
  const firstAcks = await q.ack('g', [
    { receipt: first[0].receipt, type: 'accept' },
    { receipt: first[1].receipt, type: 'accept' },
    { receipt: first[2].receipt, type: 'release' },
    { receipt: first[3].receipt, type: 'reject', error: 'unusable' },
  ]);
  expectEqual(
    firstAcks.map((r) => r.ok),
    [true, true, true, true],
    'first acknowledgements',
  );
  clock.advance(500);
  const midway = await scrape(url);
  clock.advance(500);
  const second = (await q.receive('g', { maxRecords: 10 })).records;
  expectEqual(
    second.map((r) => [r.offset, r.deliveryCount]).sort((x, y) => x[0] - y[0]),
    [
      [2, 2],
      [4, 2],
      [5, 2],
    ],
    'redeliveries',
  );
  const byOffset = new Map(second.map((r) => [r.offset as number, r.receipt as string]));
  const secondAcks = await q.ack('g', [
    { receipt: byOffset.get(2), type: 'accept' },
    { receipt: byOffset.get(4), type: 'accept' },
  ]);
  expectEqual(
    secondAcks.map((r) => r.ok),
    [true, true],
    'second acknowledgements',
  );
  clock.advance(1000);

  await s.createTopic('events', 2);
  await s.produce('events', [
    { value: 'a', partition: 0 },
    { value: 'b', partition: 0 },
  ]);
  const ws = await WsTestClient.connect(broker.wsUrl);
  try {
    const produced = await ws.request({
      type: 'produce',
      topic: 'events',
      records: [
        { value: 'c', partition: 1 },
        { value: 'd', partition: 1 },
      ],
    });
    expectEqual(produced.type, 'produced', 'WebSocket produce');
  } finally {
    await ws.close();
  }
  const join = { topics: ['events'], autoOffsetReset: 'earliest', autoCommit: false };
  const a = await s.join(join);
  const b = await s.join(join);
  await s.heartbeat(a.memberId, []); // it reads nothing: hands over what it was asked to revoke
  const pa = await s.poll(a.memberId, { maxRecords: 10 });
  const pb = await s.poll(b.memberId, { maxRecords: 10 });
  expectEqual([pa.assignment.length, pb.assignment.length], [1, 1], 'one partition each');
  const partitionOfA = pa.assignment[0]!.partition;
  const partitionOfB = pb.assignment[0]!.partition;
  expectEqual([pa.records.length, pb.records.length], [2, 2], 'records polled');
  await s.commit(a.memberId, pa.generation, [
    { topic: 'events', partition: partitionOfA, offset: 2 },
  ]);
  await s.commit(b.memberId, pb.generation, [
    { topic: 'events', partition: partitionOfB, offset: 1 },
  ]);
  const beforeLeave = await scrape(url);
  await s.leave(b.memberId);
  const final = await scrape(url);
  return { midway, beforeLeave, final, t1Ms, partitionOfA, partitionOfB };
}
