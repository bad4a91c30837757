import request from 'supertest';
import { LogWaiters } from '../../src/modules/topics/log-waiters';
import { eventually } from '../support/eventually';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

describe('share groups over HTTP', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  it('delivers each record once with a lock and finishes it on accept', async () => {
    await q.produce('jobs', [{ key: 'a', value: { n: 1 } }, { value: { n: 2 } }]);
    const group = await q.putGroup('workers', { topics: ['jobs'] });
    expect(group.config).toMatchObject({
      lockDurationMs: 30000,
      maxDeliveryCount: 5,
      startFrom: 'earliest',
    });

    const got = await q.receive('workers', { maxRecords: 10 });
    expect(got.memberId).toEqual(expect.any(String));
    expect(got.records.map((r) => [r.offset, r.deliveryCount, r.value])).toEqual([
      [0, 1, { n: 1 }],
      [1, 1, { n: 2 }],
    ]);
    expect(got.records[0]).toMatchObject({
      topic: 'jobs',
      partition: 0,
      key: 'a',
      lockExpiresAtMs: broker.clock.now() + 30000,
    });
    expect((await q.receive('workers')).records).toEqual([]);

    const results = await q.ack(
      'workers',
      got.records.map((r) => ({ receipt: r.receipt, type: 'accept' })),
    );
    expect(results).toEqual(got.records.map((r) => ({ receipt: r.receipt, ok: true })));
    const described = await q.describe('workers');
    expect(described.partitions[0]).toMatchObject({
      topic: 'jobs',
      partition: 0,
      startOffset: 2,
      endOffset: 2,
      available: 0,
      acquired: 0,
      lag: 0,
    });
  });

  it('redelivers a record after its lock expires with deliveryCount 2 and refuses the old receipt', async () => {
    await q.produce('jobs', [{ value: 'x' }]);
    await q.putGroup('g', { topics: ['jobs'], lockDurationMs: 10_000 });
    const [first] = (await q.receive('g')).records;
    broker.clock.advance(10_000);
    const [second] = (await q.receive('g')).records;
    expect(second).toMatchObject({ offset: 0, deliveryCount: 2 });
    expect(second.receipt).not.toBe(first.receipt);

    const [late] = await q.ack('g', [{ receipt: first.receipt, type: 'accept' }]);
    expect(late).toMatchObject({ ok: false, error: { code: 'LOCK_LOST' } });
    const described = await q.describe('g');
    expect(described.partitions[0]).toMatchObject({ acquired: 1, acknowledged: 0, lag: 1 });
    const [ok] = await q.ack('g', [{ receipt: second.receipt, type: 'accept' }]);
    expect(ok.ok).toBe(true);
  });

  it('does not deliver a record released with a delay before it is due', async () => {
    await q.produce('jobs', [{ value: 'later' }]);
    await q.putGroup('g', { topics: ['jobs'] });
    const [r] = (await q.receive('g')).records;
    await q.ack('g', [{ receipt: r.receipt, type: 'release', delayMs: 5000 }]);
    broker.clock.advance(4999);
    expect((await q.receive('g')).records).toEqual([]);
    broker.clock.advance(1);
    const [again] = (await q.receive('g')).records;
    expect(again).toMatchObject({ offset: 0, deliveryCount: 2 });
  });

  it('applies the group backoff schedule by delivery count', async () => {
    await q.produce('jobs', [{ value: 'retry me' }]);
    await q.putGroup('g', { topics: ['jobs'], backoffMs: [1000, 5000] });
    let [r] = (await q.receive('g')).records;
    for (const [attempt, delayMs] of [
      [1, 1000],
      [2, 5000],
      [3, 5000],
    ] as const) {
      expect(r.deliveryCount).toBe(attempt);
      await q.ack('g', [{ receipt: r.receipt, type: 'release' }]);
      broker.clock.advance(delayMs - 1);
      expect((await q.receive('g')).records).toEqual([]);
      broker.clock.advance(1);
      [r] = (await q.receive('g')).records;
      expect(r).toBeDefined();
    }
    expect(r.deliveryCount).toBe(4);
  });

  it('wakes a long-polling receive as soon as a record is produced', async () => {
    await q.putGroup('g', { topics: ['jobs'] });
    const waiting = q.receive('g', { waitMs: 30_000 });
    await eventually(() => broker.app.get(LogWaiters).size === 1);
    await q.produce('jobs', [{ value: 'wake up' }]);
    const got = await waiting;
    expect(got.records.map((r) => r.value)).toEqual(['wake up']);
  });

  it('creates an unknown group on receive with topics, and answers 404 without', async () => {
    const res = await request(broker.url).post('/queues/groups/nope/receive').send({});
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('GROUP_NOT_FOUND');
    await q.produce('jobs', [{ value: 1 }]);
    const got = await q.receive('auto', { topics: ['jobs'] });
    expect(got.records).toHaveLength(1);
    const described = await q.describe('auto');
    expect(described.topics).toEqual(['jobs']);
  });

  it('starts a group created with startFrom latest after the records already there', async () => {
    await q.produce('jobs', [{ value: 'old' }]);
    await q.putGroup('late', { topics: ['jobs'], startFrom: 'latest' });
    await q.produce('jobs', [{ value: 'new' }]);
    const got = await q.receive('late');
    expect(got.records.map((r) => r.value)).toEqual(['new']);
  });

  it('resets a live group to an offset and to earliest', async () => {
    await q.produce(
      'jobs',
      [0, 1, 2, 3].map((value) => ({ value })),
    );
    await q.putGroup('g', { topics: ['jobs'] });
    const got = await q.receive('g');
    await q.ack(
      'g',
      got.records.map((r) => ({ receipt: r.receipt, type: 'accept' })),
    );
    const reset = await request(broker.url)
      .post('/queues/groups/g/reset')
      .send({ to: { offset: 2 } })
      .expect(200);
    expect(reset.body.partitions[0]).toMatchObject({ startOffset: 2, lag: 2 });
    expect((await q.receive('g')).records.map((r) => r.value)).toEqual([2, 3]);
    await request(broker.url)
      .post('/queues/groups/g/reset')
      .send({ topic: 'jobs', to: 'earliest' })
      .expect(200);
    expect((await q.receive('g')).records.map((r) => r.value)).toEqual([0, 1, 2, 3]);
  });

  it('resets only the partitions named, and leaves the others where they were', async () => {
    await request(broker.url).post('/topics').send({ name: 'multi', partitions: 3 }).expect(201);
    for (let partition = 0; partition < 3; partition++) {
      await request(broker.url)
        .post('/topics/multi/records')
        .send({ records: [0, 1].map((value) => ({ value, partition })) })
        .expect(200);
    }
    await q.putGroup('g', { topics: ['multi'] });
    const reset = await request(broker.url)
      .post('/queues/groups/g/reset')
      .send({ topic: 'multi', partitions: [0, 2], to: 'latest' })
      .expect(200);
    expect(
      reset.body.partitions.map((p: { partition: number; startOffset: number; lag: number }) => [
        p.partition,
        p.startOffset,
        p.lag,
      ]),
    ).toEqual([
      [0, 2, 0],
      [1, 0, 2],
      [2, 2, 0],
    ]);
    const got = await q.receive('g', { maxRecords: 10 });
    expect(got.records.map((r) => [r.partition, r.value])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it('deletes a group', async () => {
    await q.putGroup('g', { topics: ['jobs'] });
    await request(broker.url).delete('/queues/groups/g').expect(204);
    await request(broker.url).get('/queues/groups/g').expect(404);
  });
});
