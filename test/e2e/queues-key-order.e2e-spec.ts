import request from 'supertest';
import { SystemClock } from '../../src/common/clock';
import {
  handleKeyedBatch,
  KeyedDelivery,
  KeyOrderLedger,
  prng,
  recordId,
} from '../support/key-order-ledger';
import { sample } from '../support/prometheus-sample';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

/**
 * Records in the 8-worker run (the issue asks for 10,000; `WEIR_KEY_ORDER_E2E_RECORDS` makes it
 * smaller on a slow machine).
 */
const TOTAL = Number(process.env.WEIR_KEY_ORDER_E2E_RECORDS ?? 10_000);
const KEYS = 100;
const PARTITIONS = 4;
const MAX_DELIVERY_COUNT = 3;
const FAILURES = { maxWorkMs: 3, releaseRate: 0.08, rejectRate: 0.01 };

/** A WebSocket worker of a share subscription: handles each push, acks it, grants credit back. */
async function wsWorker(
  url: string,
  group: string,
  ledger: KeyOrderLedger,
  random: () => number,
  done: () => boolean,
  deadline: number,
): Promise<void> {
  const client = await WsTestClient.connect(url);
  try {
    const sub = await client.request({ type: 'subscribe', mode: 'share', group, credit: 10 });
    let taken = 0;
    const isPush = (f: Record<string, unknown>) => f.type === 'records';
    for (let round = 0; round < 100_000 && !done() && Date.now() < deadline; round++) {
      const pushes = client.frames.filter(isPush);
      if (pushes.length === taken) {
        await client
          .waitFor((f) => isPush(f) && client.frames.filter(isPush).length > taken, 200)
          .catch(() => undefined);
        continue;
      }
      const records = pushes.slice(taken).flatMap((f) => f.records as KeyedDelivery[]);
      taken = pushes.length;
      await handleKeyedBatch(
        records,
        ledger,
        random,
        MAX_DELIVERY_COUNT,
        async (acks) => (await client.request({ type: 'ack', acks })).results as never,
        FAILURES,
      );
      client.send({ type: 'credit', subscriptionId: sub.subscriptionId, records: records.length });
    }
  } finally {
    await client.close();
  }
}

/** An HTTP worker: long-polls for a few records at a time. */
async function httpWorker(
  q: QueueClient,
  group: string,
  ledger: KeyOrderLedger,
  random: () => number,
  done: () => boolean,
  deadline: number,
): Promise<void> {
  for (let round = 0; round < 100_000 && !done() && Date.now() < deadline; round++) {
    const { records } = await q.receive(group, { maxRecords: 10, waitMs: 200 });
    await handleKeyedBatch(
      records as KeyedDelivery[],
      ledger,
      random,
      MAX_DELIVERY_COUNT,
      (acks) => q.ack(group, acks),
      FAILURES,
    );
  }
}

/** Per key, the offsets of its records in `partitionRecords` (in offset order). */
function offsetsByKey(records: ReadonlyArray<{ key: string; offset: number }>) {
  const byKey = new Map<string, number[]>();
  for (const r of records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.offset]);
  return byKey;
}

describe('share groups with ordering "key"', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;
  let q: QueueClient;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new SystemClock());
    q = new QueueClient(broker.url);
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  it('shows the option in the description, defaults to none and refuses other values', async () => {
    expect((await q.putGroup('plain', { topics: ['t'] })).config.ordering).toBe('none');
    expect((await q.putGroup('ordered', { topics: ['t'], ordering: 'key' })).config.ordering).toBe(
      'key',
    );
    // a PUT without it keeps it
    expect((await q.putGroup('ordered', { topics: ['t'] })).config.ordering).toBe('key');
    const bad = await request(broker.url)
      .put('/queues/groups/bad')
      .send({ topics: ['t'], ordering: 'partition' });
    expect(bad.status).toBe(400);
  });

  it('hands out one record per key at a time over HTTP and counts the waiting ones', async () => {
    await request(broker.url).post('/topics').send({ name: 'o', partitions: 1 }).expect(201);
    await q.putGroup('g', { topics: ['o'], ordering: 'key' });
    await q.produce('o', [
      { key: 'a', value: 0 },
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { value: 3 },
      { key: 'a', value: 4 },
    ]);
    const first = (await q.receive('g', { maxRecords: 10 })).records;
    expect(first.map((r) => [r.offset, r.key, r.value, r.deliveryCount])).toEqual([
      [0, 'a', 0, 1],
      [2, 'b', 2, 1],
      [3, undefined, 3, 1],
    ]);
    const metrics = (await request(broker.url).get('/metrics')).text;
    const labels = { group: 'g', topic: 'o', partition: '0' };
    expect(sample(metrics, 'weir_share_key_blocked_records', labels)).toBe(2);
    expect(sample(metrics, 'weir_share_keys_in_flight', labels)).toBe(2);
    expect((await q.receive('g', { maxRecords: 10 })).records).toEqual([]);
    await q.ack('g', [{ receipt: first[0].receipt, type: 'accept' }]);
    const second = (await q.receive('g', { maxRecords: 10 })).records;
    expect(second.map((r) => r.offset)).toEqual([1]);
  });

  it('pushes over WebSocket the next record of a key once the one before it is accepted', async () => {
    await request(broker.url).post('/topics').send({ name: 'w', partitions: 1 }).expect(201);
    await q.putGroup('g', { topics: ['w'], ordering: 'key' });
    await q.produce('w', [
      { key: 'a', value: 0 },
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    const client = await WsTestClient.connect(broker.wsUrl);
    try {
      await client.request({ type: 'subscribe', mode: 'share', group: 'g', credit: 10 });
      const pushed = () =>
        client.frames
          .filter((f) => f.type === 'records')
          .flatMap((f) => f.records as KeyedDelivery[]);
      await client.waitFor(() => pushed().length >= 2);
      expect(pushed().map((r) => r.offset)).toEqual([0, 2]);
      const a0 = pushed()[0]!;
      await client.request({ type: 'ack', acks: [{ receipt: a0.receipt, type: 'accept' }] });
      await client.waitFor(() => pushed().length >= 3);
      expect(pushed().map((r) => r.offset)).toEqual([0, 2, 1]);
    } finally {
      await client.close();
    }
  });

  it(`keeps per-key acceptance order with 8 workers on ${TOTAL} records over ${KEYS} keys`, async () => {
    const random = prng(17);
    await request(broker.url)
      .post('/topics')
      .send({ name: 'orders', partitions: PARTITIONS })
      .expect(201);
    await q.putGroup('o', {
      topics: ['orders'],
      ordering: 'key',
      maxDeliveryCount: MAX_DELIVERY_COUNT,
    });
    for (let i = 0; i < TOTAL; i += 1000) {
      const n = Math.min(1000, TOTAL - i);
      await q.produce(
        'orders',
        Array.from({ length: n }, () => ({ key: `k${Math.floor(random() * KEYS)}`, value: i })),
      );
    }

    const solo = await throughput(q, random, 1, Math.min(1000, TOTAL));
    const ledger = new KeyOrderLedger();
    const started = Date.now();
    const deadline = started + 120_000;
    const done = () => ledger.finished >= TOTAL;
    await Promise.all([
      ...Array.from({ length: 4 }, () => httpWorker(q, 'o', ledger, random, done, deadline)),
      ...Array.from({ length: 4 }, () =>
        wsWorker(broker.wsUrl, 'o', ledger, random, done, deadline),
      ),
    ]);
    const eightPerSecond = (TOTAL * 1000) / Math.max(1, Date.now() - started);
    process.stdout.write(
      `key-ordered share group: 1 worker ${solo.toFixed(0)} records/s, 8 workers ${eightPerSecond.toFixed(0)} records/s (${(eightPerSecond / solo).toFixed(1)}x)\n`,
    );

    expect(ledger.violations).toEqual([]);
    expect(ledger.unanswered()).toEqual([]);
    expect([...ledger.acceptedTimes.values()].filter((n) => n !== 1)).toEqual([]);
    const all = (
      await Promise.all(
        Array.from({ length: PARTITIONS }, (_x, p) =>
          q
            .readAll('orders', p)
            .then((rs) => rs.map((r) => ({ key: r.key as string, offset: r.offset as number, p }))),
        ),
      )
    ).flat();
    expect(all).toHaveLength(TOTAL);
    const deadLetters = (
      await Promise.all(
        Array.from({ length: PARTITIONS }, (_x, p) => q.readAll('dlq.o.orders', p).catch(() => [])),
      )
    )
      .flat()
      .map(
        (r) => `${r.headers['weir-dlq-source-partition']}:${r.headers['weir-dlq-source-offset']}`,
      );
    expect(new Set(deadLetters).size).toBe(deadLetters.length);
    expect([...deadLetters].sort()).toEqual([...ledger.deadLettered].sort());
    for (const r of all) {
      const id = recordId({ partition: r.p, offset: r.offset });
      expect([ledger.acceptedTimes.has(id), ledger.deadLettered.has(id)]).toContainEqual(true);
      expect(ledger.acceptedTimes.has(id) && ledger.deadLettered.has(id)).toBe(false);
    }
    // for every key, the accepted records in the order they were accepted are in offset order
    const order = ledger.acceptanceOrder();
    const expected = offsetsByKey(
      all.filter((r) => !ledger.deadLettered.has(recordId({ partition: r.p, offset: r.offset }))),
    );
    expect(order.size).toBe(expected.size);
    for (const [key, offsets] of expected) expect([key, order.get(key)]).toEqual([key, offsets]);
  });
});

/** Records per second one or more HTTP workers accept from a second group on the same topic. */
async function throughput(
  q: QueueClient,
  random: () => number,
  workers: number,
  records: number,
): Promise<number> {
  await q.putGroup('solo', { topics: ['orders'], ordering: 'key', maxDeliveryCount: 100 });
  const ledger = new KeyOrderLedger();
  const started = Date.now();
  const done = () => ledger.acceptedTimes.size >= records;
  const noFailures = { ...FAILURES, releaseRate: 0, rejectRate: 0 };
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let round = 0; round < 100_000 && !done() && Date.now() < started + 60_000; round++) {
        const got = (await q.receive('solo', { maxRecords: 10, waitMs: 200 })).records;
        await handleKeyedBatch(
          got as KeyedDelivery[],
          ledger,
          random,
          100,
          (acks) => q.ack('solo', acks),
          noFailures,
        );
      }
    }),
  );
  expect(ledger.violations).toEqual([]);
  return (ledger.acceptedTimes.size * 1000) / Math.max(1, Date.now() - started);
}
