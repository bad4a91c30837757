import { SharePartitionWriter } from '../../src/modules/queues/share-partition-writer';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

describe('share groups: dead-lettering and poison records', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  it('dead-letters a rejected record with every lineage header and the original key, value and headers', async () => {
    await q.produce('orders', [
      { key: 'order-9', value: { total: 12.5 }, headers: { 'trace-id': 't-1' }, timestampMs: 1000 },
    ]);
    await q.putGroup('billing', { topics: ['orders'] });
    const [r] = (await q.receive('billing')).records;
    const [result] = await q.ack('billing', [
      { receipt: r.receipt, type: 'reject', error: 'card declined' },
    ]);
    expect(result.ok).toBe(true);

    const [copy] = await q.readAll('dlq.billing.orders', 0);
    expect(copy).toMatchObject({ key: 'order-9', value: { total: 12.5 } });
    expect(copy.headers).toEqual({
      'trace-id': 't-1',
      'weir-dlq-source-topic': 'orders',
      'weir-dlq-source-partition': '0',
      'weir-dlq-source-offset': '0',
      'weir-dlq-group': 'billing',
      'weir-dlq-delivery-count': '1',
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-dead-lettered-at': String(broker.clock.now()),
      'weir-dlq-source-timestamp': '1000',
      'weir-dlq-error': 'card declined',
    });
    const described = await q.describe('billing');
    expect(described.partitions[0]).toMatchObject({ startOffset: 1, archived: 0, lag: 0 });
    expect((await q.receive('billing')).records).toEqual([]);
  });

  it('dead-letters a record that reaches the delivery limit by expiry and by release, exactly once', async () => {
    await q.produce('jobs', [{ value: 'expires' }, { value: 'released' }]);
    await q.putGroup('g', { topics: ['jobs'], maxDeliveryCount: 2, lockDurationMs: 1000 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const got = (await q.receive('g')).records;
      expect(got.map((r) => [r.value, r.deliveryCount])).toEqual([
        ['expires', attempt],
        ['released', attempt],
      ]);
      await q.ack('g', [{ receipt: got[1].receipt, type: 'release' }]);
      broker.clock.advance(1000);
      await broker.app.get(SharePartitionWriter).settled(); // the expiry is written
    }
    expect((await q.receive('g')).records).toEqual([]);
    const copies = await q.readAll('dlq.g.jobs', 0);
    expect(
      copies.map((c) => [
        c.value,
        c.headers['weir-dlq-reason'],
        c.headers['weir-dlq-delivery-count'],
      ]),
    ).toEqual([
      ['released', 'DELIVERY_COUNT_EXCEEDED', '2'],
      ['expires', 'DELIVERY_COUNT_EXCEEDED', '2'],
    ]);
    expect(copies[1].headers['weir-dlq-error']).toBe('acquisition lock expired');
    broker.clock.advance(60_000);
    await broker.app.get(SharePartitionWriter).settled();
    expect(await q.readAll('dlq.g.jobs', 0)).toHaveLength(2);
  });

  it('archives without a copy when dead-lettering is disabled', async () => {
    await q.produce('jobs', [{ value: 'x' }]);
    await q.putGroup('quiet', { topics: ['jobs'], deadLetterTopic: null });
    const [r] = (await q.receive('quiet')).records;
    await q.ack('quiet', [{ receipt: r.receipt, type: 'reject' }]);
    const described = await q.describe('quiet');
    expect(described.config.deadLetterTopic).toBeNull();
    expect(described.partitions[0].lag).toBe(0);
    const topics = (await q.describe('quiet')).config.deadLetterTopics;
    expect(topics).toEqual({ jobs: null });
  });

  it('uses a dead-letter topic named by the group', async () => {
    await q.produce('jobs', [{ value: 'x' }]);
    await q.putGroup('named', { topics: ['jobs'], deadLetterTopic: 'graveyard' });
    const [r] = (await q.receive('named')).records;
    await q.ack('named', [{ receipt: r.receipt, type: 'reject' }]);
    expect((await q.readAll('graveyard', 0)).map((c) => c.value)).toEqual(['x']);
  });

  it('keeps delivering the records behind a poison record stuck at the head', async () => {
    await q.putGroup('g', { topics: ['jobs'], maxInFlightRecords: 5, lockDurationMs: 60_000 });
    await q.produce(
      'jobs',
      Array.from({ length: 50 }, (_x, i) => ({ value: i })),
    );
    const [poison] = (await q.receive('g', { maxRecords: 1 })).records;
    expect(poison.value).toBe(0);
    const seen: number[] = [];
    for (let round = 0; round < 100 && seen.length < 49; round++) {
      const got = (await q.receive('g', { maxRecords: 10 })).records;
      seen.push(...got.map((r) => r.value as number));
      await q.ack(
        'g',
        got.map((r) => ({ receipt: r.receipt, type: 'accept' })),
      );
    }
    expect(seen).toEqual(Array.from({ length: 49 }, (_x, i) => i + 1));
    const described = await q.describe('g');
    expect(described.partitions[0]).toMatchObject({
      startOffset: 0,
      acquired: 1,
      acknowledged: 49,
      lag: 1,
    });
  });
});
