import { Admin } from '../src/admin';
import { Producer } from '../src/producer';
import { Frame, ReconnectingSocket } from '../src/reconnecting-socket';
import { ShareConsumer } from '../src/share-consumer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

describe('ShareConsumer frames', () => {
  const fixture = useRealBroker();
  let consumer: ShareConsumer | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await consumer?.stop();
    consumer = undefined;
  });

  it('answers 2,000 handlers with few frames: acknowledgements and credit are batched within their linger', async () => {
    await new Producer({ url: fixture.url, maxBatch: 1000 }).produce(
      'clicks',
      Array.from({ length: 2000 }, (_x, i) => ({ value: i })),
    );
    const frames: Frame[] = [];
    const send = ReconnectingSocket.prototype.send;
    jest.spyOn(ReconnectingSocket.prototype, 'send').mockImplementation(function (
      this: ReconnectingSocket,
      frame: Frame,
    ) {
      frames.push(frame);
      return send.call(this, frame);
    });
    consumer = new ShareConsumer({ url: fixture.url, ackLingerMs: 5, creditLingerMs: 2 });
    const worker = consumer;
    await worker.run({
      group: 'counters',
      topics: ['clicks'],
      concurrency: 64,
      handler: () => undefined,
    });
    await eventually(() => worker.stats.accepted === 2000, 20_000, 'all accepted');
    const count = (type: string) => frames.filter((f) => f.type === type).length;
    expect(count('ack')).toBeGreaterThan(0);
    expect(count('ack')).toBeLessThanOrEqual(2000 / 10);
    expect(count('credit')).toBeLessThanOrEqual(2000 / 10);
    const lag = (await new Admin(fixture.url).describeShareGroup('counters')).partitions[0]?.lag;
    expect(lag).toBe(0);
  });
});
