import { ShareGroupsService } from '../../src/modules/queues/share-groups.service';
import { eventually } from '../support/eventually';
import { makeTempDir } from '../support/temp-dir';
import { QueueClient } from '../support/queue-client';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

type Pushed = {
  records: Array<{ offset: number; receipt: string; deliveryCount: number; value: unknown }>;
};

describe('share groups over WebSocket', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let q: QueueClient;
  let ws: WsTestClient;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    q = new QueueClient(broker.url);
    ws = await WsTestClient.connect(broker.wsUrl);
  });

  afterEach(async () => {
    await ws.close();
    await broker.close();
    dir.remove();
  });

  const pushed = (client: WsTestClient) =>
    client.frames
      .filter((f) => f.type === 'records')
      .flatMap((f) => (f as unknown as Pushed).records);

  it('pushes records as they arrive, never beyond the credit granted', async () => {
    await q.produce(
      'jobs',
      Array.from({ length: 10 }, (_x, i) => ({ value: i })),
    );
    const subscribed = await ws.request({
      type: 'subscribe',
      mode: 'share',
      group: 'g',
      topics: ['jobs'],
      credit: 3,
    });
    expect(subscribed).toMatchObject({
      type: 'subscribed',
      subscriptionId: expect.any(String),
      memberId: expect.any(String),
    });
    await eventually(() => pushed(ws).length === 3);
    // a produce and an ack do not raise the credit: still exactly 3
    await q.produce('jobs', [{ value: 'more' }]);
    const acked = await ws.request({
      type: 'ack',
      acks: pushed(ws).map((r) => ({ receipt: r.receipt, type: 'accept' })),
    });
    expect(acked).toMatchObject({
      type: 'acked',
      results: [{ ok: true }, { ok: true }, { ok: true }],
    });
    const described = await q.describe('g');
    expect(described.partitions[0]).toMatchObject({ acquired: 0, acknowledged: 0, startOffset: 3 });
    expect(pushed(ws)).toHaveLength(3);

    ws.send({ type: 'credit', subscriptionId: subscribed.subscriptionId, records: 100 });
    await eventually(() => pushed(ws).length === 11);
    expect(pushed(ws).map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'more']);
  });

  it('releases what a closed socket held, keeping the delivery count', async () => {
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }]);
    await ws.request({
      type: 'subscribe',
      mode: 'share',
      group: 'g',
      topics: ['jobs'],
      credit: 10,
    });
    await eventually(() => pushed(ws).length === 2);
    expect((await q.describe('g')).partitions[0].acquired).toBe(2);
    await ws.close();
    const group = () => broker.app.get(ShareGroupsService).get('g');
    await eventually(() =>
      [...group().partitions.values()].every((p) => p.state.counts(2).acquired === 0),
    );
    const again = (await q.receive('g')).records;
    expect(again.map((r) => [r.value, r.deliveryCount])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
  });

  it('unsubscribes, releasing the records, and answers frames about unknown subscriptions with errors', async () => {
    await q.produce('jobs', [{ value: 'a' }]);
    const sub = await ws.request({
      type: 'subscribe',
      mode: 'share',
      group: 'g',
      topics: ['jobs'],
      credit: 1,
    });
    await eventually(() => pushed(ws).length === 1);
    const unsubscribed = await ws.request({
      type: 'unsubscribe',
      subscriptionId: sub.subscriptionId,
    });
    expect(unsubscribed).toMatchObject({ type: 'unsubscribed' });
    expect((await q.describe('g')).partitions[0]).toMatchObject({ acquired: 0, available: 1 });
    const unknown = await ws.request({
      type: 'credit',
      subscriptionId: sub.subscriptionId,
      records: 1,
    });
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'SUBSCRIPTION_NOT_FOUND' } });
    const badMode = await ws.request({ type: 'subscribe', mode: 'queue', group: 'g', credit: 1 });
    expect(badMode).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    const noGroup = await ws.request({
      type: 'subscribe',
      mode: 'share',
      group: 'nope',
      credit: 1,
    });
    expect(noGroup).toMatchObject({ type: 'error', error: { code: 'GROUP_NOT_FOUND' } });
    const badAck = await ws.request({ type: 'ack', acks: [{ receipt: 'forged', type: 'accept' }] });
    expect(badAck).toMatchObject({
      type: 'acked',
      results: [{ ok: false, error: { code: 'INVALID_RECEIPT' } }],
    });
  });

  it('shuts the broker down cleanly while a share subscription holds records', async () => {
    await q.produce('jobs', [{ value: 'held' }]);
    await ws.request({ type: 'subscribe', mode: 'share', group: 'g', topics: ['jobs'], credit: 5 });
    await eventually(() => pushed(ws).length === 1);
    await expect(broker.close()).resolves.toBeUndefined();
    await eventually(() => ws.socket.readyState === ws.socket.CLOSED);
  });
});
