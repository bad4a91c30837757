import { Admin } from '../src/admin';
import { Producer } from '../src/producer';
import { ShareConsumer } from '../src/share-consumer';
import { SubscriptionCredit } from '../src/subscription-credit';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';
import { TcpProxy } from '../../../test/support/tcp-proxy';

describe('ShareConsumer credit across reconnections', () => {
  const fixture = useRealBroker();
  let consumer: ShareConsumer | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await consumer?.stop({ timeoutMs: 5000 });
    await proxy?.close();
    consumer = proxy = undefined;
  });

  it('recovers its full concurrency after its connection is cut while every handler runs', async () => {
    const concurrency = 4;
    await new Producer({ url: fixture.url }).produce(
      'slow-jobs',
      Array.from({ length: 40 }, (_x, i) => ({ value: i })),
    );
    proxy = await TcpProxy.start(Number(new URL(fixture.url).port));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let mostRunningAfterCut = 0;
    let cut = false;
    const handled = new Set<number>();
    consumer = new ShareConsumer({ url: proxy.url, onError: () => undefined });
    const worker = consumer;
    await worker.run({
      group: 'slow-workers',
      topics: ['slow-jobs'],
      concurrency,
      handler: async (record) => {
        running += 1;
        if (cut) mostRunningAfterCut = Math.max(mostRunningAfterCut, running);
        await gate;
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.add(record.value as number);
        running -= 1;
      },
    });
    await eventually(() => running === concurrency, 5000, 'every handler running');

    cut = true;
    proxy.cut();
    await eventually(() => worker.stats.connections === 2, 10_000, 'subscribed again');
    release(); // the handlers that started on the cut connection end now

    await eventually(() => handled.size === 40, 20_000, 'all 40 records handled');
    await eventually(
      async () =>
        (await new Admin(fixture.url).describeShareGroup('slow-workers')).partitions[0]?.lag === 0,
      5000,
      'nothing left in the group',
    );
    expect(mostRunningAfterCut).toBe(concurrency);
    // the broker's answer to the last accept may still be on its way when the lag reaches 0
    await eventually(() => worker.stats.accepted >= 40, 5000, 'every accept answered');
    expect(worker.stats.accepted).toBe(40);
    expect(proxy.accepted).toBeGreaterThanOrEqual(2);
  });
});

describe('SubscriptionCredit', () => {
  it('gives credit back only to the subscription it was granted on, in frames of a quarter of the grant or once per linger', async () => {
    const grants: Array<[string, number]> = [];
    const credit = new SubscriptionCredit((id, records) => grants.push([id, records]), 0);
    const first = credit.opened('s1', 8);
    credit.giveBack(first); // one of 8 owed: it waits for the linger, and the connection ends
    credit.closed();
    const second = credit.opened('s2', 12);
    credit.giveBack(first); // a handler of the cut connection ends: owed to s1, which is gone
    credit.giveBack(second);
    credit.giveBack(second);
    await new Promise((resolve) => setImmediate(resolve));
    expect(grants).toEqual([['s2', 2]]); // fewer than 3 owed: after the linger (0)
    credit.giveBack(second, 3);
    expect(grants).toEqual([
      ['s2', 2],
      ['s2', 3],
    ]); // a quarter of 12 owed: at once
  });
});
