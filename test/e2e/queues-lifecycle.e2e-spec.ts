import request from 'supertest';
import { LogWaiters } from '../../src/modules/topics/log-waiters';
import { Storage } from '../../src/persistence/port/storage';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';
import { WsTestClient } from '../support/ws-client';

type Pushed = { records: Array<{ receipt: string; deliveryCount: number; value: unknown }> };

const pushed = (client: WsTestClient) =>
  client.frames
    .filter((f) => f.type === 'records')
    .flatMap((f) => (f as unknown as Pushed).records);

describe('deleting a share group with live workers', () => {
  const fixture = useBroker();
  let q: QueueClient;
  const sockets: WsTestClient[] = [];

  beforeEach(() => {
    q = new QueueClient(fixture.broker.url);
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close();
  });

  const connect = async () => {
    const client = await WsTestClient.connect(fixture.broker.wsUrl);
    sockets.push(client);
    return client;
  };

  it.each([
    ['without topics', {}],
    ['naming topics', { topics: ['jobs'] }],
  ])(
    'ends a receive long-polling %s with an empty answer and does not re-create the group',
    async (_label, body) => {
      await q.putGroup('g', { topics: ['jobs'] });
      const waiting = request(fixture.broker.url)
        .post('/queues/groups/g/receive')
        .send({ ...body, waitMs: 30_000 });
      const answered = waiting.then((res) => res);
      await eventually(() => fixture.broker.app.get(LogWaiters).size === 1);
      await request(fixture.broker.url).delete('/queues/groups/g').expect(204);
      await q.produce('jobs', [{ value: 'after the delete' }]);
      const res = await answered;
      expect(res.status).toBe(200);
      expect(res.body.records).toEqual([]);
      await request(fixture.broker.url).get('/queues/groups/g').expect(404);
      fixture.broker.clock.advance(fixture.broker.config.maxWaitMs);
      await request(fixture.broker.url).get('/queues/groups/g').expect(404);
    },
  );

  it('ends a WebSocket subscription opened with topics, without re-creating the group or redelivering', async () => {
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }]);
    const ws = await connect();
    const sub = await ws.request({
      type: 'subscribe',
      mode: 'share',
      group: 'g',
      topics: ['jobs'],
      credit: 10,
    });
    await eventually(() => pushed(ws).length === 2);
    await request(fixture.broker.url).delete('/queues/groups/g').expect(204);
    const ended = await ws.waitFor((f) => f.type === 'error');
    expect(ended).toMatchObject({
      type: 'error',
      subscriptionId: sub.subscriptionId,
      error: { code: 'GROUP_NOT_FOUND' },
    });
    await q.produce('jobs', [{ value: 'c' }]);
    fixture.broker.clock.advance(fixture.broker.config.maxWaitMs);
    const acked = await ws.request({
      type: 'ack',
      acks: pushed(ws).map((r) => ({ receipt: r.receipt, type: 'accept' })),
    });
    expect(acked).toMatchObject({
      type: 'acked',
      results: [
        { ok: false, error: { code: 'LOCK_LOST' } },
        { ok: false, error: { code: 'LOCK_LOST' } },
      ],
    });
    await request(fixture.broker.url).get('/queues/groups/g').expect(404);
    expect(pushed(ws).map((r) => r.value)).toEqual(['a', 'b']);
    const credit = await ws.request({
      type: 'credit',
      subscriptionId: sub.subscriptionId,
      records: 5,
    });
    expect(credit).toMatchObject({ type: 'error', error: { code: 'SUBSCRIPTION_NOT_FOUND' } });
  });

  it('ends a subscription waiting for credit at once', async () => {
    await q.putGroup('g', { topics: ['jobs'] });
    const ws = await connect();
    const sub = await ws.request({ type: 'subscribe', mode: 'share', group: 'g', credit: 0 });
    await request(fixture.broker.url).delete('/queues/groups/g').expect(204);
    expect(await ws.waitFor((f) => f.type === 'error')).toMatchObject({
      subscriptionId: sub.subscriptionId,
      error: { code: 'GROUP_NOT_FOUND' },
    });
  });

  it('answers acknowledgements with receipts of the deleted group LOCK_LOST, item by item', async () => {
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }]);
    const { records } = await q.receive('g', { topics: ['jobs'] });
    await request(fixture.broker.url).delete('/queues/groups/g').expect(204);
    const results = await q.ack('g', [
      { receipt: records[0].receipt, type: 'accept' },
      { receipt: records[1].receipt, type: 'renew' },
      { receipt: 'not-a-receipt', type: 'accept' },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'LOCK_LOST',
      'LOCK_LOST',
      'INVALID_RECEIPT',
    ]);
    await request(fixture.broker.url).get('/queues/groups/g').expect(404);

    await q.putGroup('g', { topics: ['jobs'] });
    const again = await q.ack('g', [{ receipt: records[0].receipt, type: 'accept' }]);
    expect(again).toMatchObject([{ ok: false, error: { code: 'LOCK_LOST' } }]);
    const fresh = await q.receive('g');
    expect(fresh.records.map((r) => [r.value, r.deliveryCount])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('re-creates a deleted group only for a new receive naming topics', async () => {
    await q.produce('jobs', [{ value: 'a' }]);
    await q.putGroup('g', { topics: ['jobs'] });
    await request(fixture.broker.url).delete('/queues/groups/g').expect(204);
    await request(fixture.broker.url).post('/queues/groups/g/receive').send({}).expect(404);
    const got = await q.receive('g', { topics: ['jobs'] });
    expect(got.records.map((r) => [r.value, r.deliveryCount])).toEqual([['a', 1]]);
  });
});

describe('deleting a topic a share group consumes', () => {
  const fixture = useBroker();

  it('leaves no share-group rows of the topic behind, also after its locks expire', async () => {
    const { broker } = fixture;
    const q = new QueueClient(broker.url);
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }]);
    await q.putGroup('g', { topics: ['jobs', 'other'] });
    const { records } = await q.receive('g', { maxRecords: 1 });
    const topicId = Number(String(records[0].receipt).split('.')[1]);
    await request(broker.url).delete('/topics/jobs').expect(204);
    broker.clock.advance(broker.config.maxLockMs);
    const storage = broker.app.get(Storage);
    const group = (await storage.catalogue.listShareGroups()).find((g) => g.name === 'g')!;
    const stored = await storage.shares.load(group.id);
    expect(stored.filter((p) => p.topicId === topicId)).toEqual([]);
    expect(stored.length).toBeGreaterThan(0);
    expect(await q.ack('g', [{ receipt: records[0].receipt, type: 'accept' }])).toMatchObject([
      { ok: false, error: { code: 'LOCK_LOST' } },
    ]);
    await q.produce('other', [{ value: 'still served' }]);
    expect((await q.receive('g')).records.map((r) => r.value)).toEqual(['still served']);
  });
});
