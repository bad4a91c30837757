import { SubscriptionHub } from '../../src/ws/subscription-hub';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

type Pushed = { records: Array<{ offset: number; deliveryCount: number; value: unknown }> };

const pushed = (client: WsTestClient) =>
  client.frames
    .filter((f) => f.type === 'records')
    .flatMap((f) => (f as unknown as Pushed).records);

describe('records acquired for a subscription that closed before sending them', () => {
  const fixture = useBroker();

  it('are given back uncharged: over many subscribe/close cycles racing with produce, only records a worker received are dead-lettered', async () => {
    const { broker } = fixture;
    const q = new QueueClient(broker.url);
    await q.putGroup('g', { topics: ['jobs'], maxDeliveryCount: 1 });
    const receivedByCycles = new Set<number>();
    const cycles = 100;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const producing = q.produce('jobs', [{ value: 2 * cycle }, { value: 2 * cycle + 1 }]);
      const ws = await WsTestClient.connect(broker.wsUrl);
      ws.send({ type: 'subscribe', mode: 'share', group: 'g', credit: 50 });
      await ws.close();
      await producing;
      for (const r of pushed(ws)) receivedByCycles.add(r.offset);
    }
    await eventually(() => broker.app.get(SubscriptionHub).size === 0, 10_000);

    const expected = Array.from({ length: 2 * cycles }, (_x, i) => i).filter(
      (offset) => !receivedByCycles.has(offset),
    );
    const finalCounts = new Map<number, number>();
    await eventuallyAsync(async () => {
      for (const r of (await q.receive('g', { maxRecords: 1000 })).records)
        finalCounts.set(r.offset, r.deliveryCount);
      return finalCounts.size >= expected.length;
    });
    expect([...finalCounts.keys()].sort((a, b) => a - b)).toEqual(expected);
    expect([...finalCounts.values()].filter((count) => count !== 1)).toEqual([]);

    const deadLettered = async () =>
      (await q.readAll('dlq.g.jobs', 0)).map((r) => Number(r.headers['weir-dlq-source-offset']));
    await eventuallyAsync(async () => (await deadLettered()).length >= receivedByCycles.size);
    expect((await deadLettered()).sort((a, b) => a - b)).toEqual(
      [...receivedByCycles].sort((a, b) => a - b),
    );
  });
});

describe('a broker shutting down with a WebSocket share subscription', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker | undefined;

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(async () => {
    await broker?.close();
    dir.remove();
  });

  it('releases what the subscription held before the database closes, so a restart delivers it at once', async () => {
    broker = await startTestBroker(dir.path);
    const q = new QueueClient(broker.url);
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const ws = await WsTestClient.connect(broker.wsUrl);
    for (const group of ['g', 'h', 'i']) {
      await ws.request({ type: 'subscribe', mode: 'share', group, topics: ['jobs'], credit: 5 });
    }
    await eventually(() => pushed(ws).length === 9);
    await broker.close();
    await eventually(() => ws.socket.readyState === ws.socket.CLOSED);

    // Same start time on the fake clock: the locks (30 s) have not expired.
    broker = await startTestBroker(dir.path);
    const again = new QueueClient(broker.url);
    for (const group of ['g', 'h', 'i']) {
      const got = await again.receive(group);
      expect(got.records.map((r) => [r.value, r.deliveryCount])).toEqual([
        ['a', 2],
        ['b', 2],
        ['c', 2],
      ]);
    }
  });
});

async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
