import request from 'supertest';
import { SystemClock } from '../../src/common/clock';
import { makeTempDir } from '../../test/support/temp-dir';
import { startTestBroker, TestBroker } from '../../test/support/test-app';
import { NonRetriableError } from '../src/errors';
import { Producer } from '../src/producer';
import { DeliveredRecord, ShareConsumer } from '../src/share-consumer';

/** Waits for `check` with a deadline, polling every 20 ms. */
async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('client against a real broker', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new SystemClock());
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  const lag = async (group: string) => {
    const res = await request(broker.url).get(`/queues/groups/${group}`).expect(200);
    return (res.body.partitions as Array<{ lag: number }>).reduce((n, p) => n + p.lag, 0);
  };

  it('produces 20,000 records that a ShareConsumer with concurrency 16 handles exactly once', async () => {
    await request(broker.url).post('/topics').send({ name: 'jobs', partitions: 4 }).expect(201);
    const producer = new Producer({ url: broker.url, lingerMs: 2, maxBatch: 500 });
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_x, b) =>
        producer.send(
          'jobs',
          Array.from({ length: 500 }, (_y, i) => ({ key: `k${i % 50}`, value: b * 500 + i })),
        ),
      ),
    );
    await producer.close();
    expect(new Set(sent.flat().map((m) => `${m.partition}:${m.offset}`)).size).toBe(20_000);

    const seen = new Map<number, number>();
    let maxInFlight = 0;
    const consumer = new ShareConsumer({
      url: broker.url,
      group: 'workers',
      topics: ['jobs'],
      concurrency: 16,
      handler: async (r: DeliveredRecord) => {
        maxInFlight = Math.max(maxInFlight, consumer.inFlight);
        seen.set(r.value as number, (seen.get(r.value as number) ?? 0) + 1);
        await Promise.resolve();
      },
    });
    const running = consumer.run();
    await until(
      async () => seen.size === 20_000 && (await lag('workers')) === 0,
      60_000,
      'all handled',
    );
    await consumer.stop();
    await running;
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(16);
  });

  it('retries records whose handler throws until the limit, then they are dead-lettered; NonRetriableError rejects at once', async () => {
    await request(broker.url)
      .put('/queues/groups/picky')
      .send({ topics: ['work'], maxDeliveryCount: 3 })
      .expect(200);
    const producer = new Producer({ url: broker.url });
    await producer.send('work', [{ value: 'ok' }, { value: 'flaky' }, { value: 'poison' }]);
    const counts: Record<string, number[]> = { ok: [], flaky: [], poison: [] };
    const consumer = new ShareConsumer({
      url: broker.url,
      group: 'picky',
      concurrency: 4,
      handler: (r) => {
        counts[r.value as string]!.push(r.deliveryCount);
        if (r.value === 'flaky') return Promise.reject(new Error('try again'));
        if (r.value === 'poison') return Promise.reject(new NonRetriableError('cannot parse'));
        return Promise.resolve();
      },
    });
    const running = consumer.run();
    await until(async () => (await lag('picky')) === 0, 20_000, 'group done');
    await consumer.stop();
    await running;
    expect(counts).toEqual({ ok: [1], flaky: [1, 2, 3], poison: [1] });
    const dlq = await request(broker.url)
      .get('/topics/dlq.picky.work/partitions/0/records?offset=0')
      .expect(200);
    const reasons = Object.fromEntries(
      dlq.body.records.map((r: { value: string; headers: Record<string, string> }) => [
        r.value,
        r.headers['weir-dlq-reason'],
      ]),
    );
    expect(reasons).toEqual({ flaky: 'DELIVERY_COUNT_EXCEEDED', poison: 'CLIENT_REJECT' });
    expect(
      dlq.body.records.find((r: { value: string }) => r.value === 'poison').headers[
        'weir-dlq-error'
      ],
    ).toBe('cannot parse');
  });

  it('keeps the lock of a slow handler by renewing it, so the record is not redelivered', async () => {
    await request(broker.url)
      .put('/queues/groups/slow')
      .send({ topics: ['long'], lockDurationMs: 1000 })
      .expect(200);
    await new Producer({ url: broker.url }).send('long', [{ value: 'takes a while' }]);
    const deliveries: number[] = [];
    const consumer = new ShareConsumer({
      url: broker.url,
      group: 'slow',
      concurrency: 2,
      lockDurationMs: 1000,
      renewFraction: 0.3, // renew 700 ms before the lock ends: room for a busy machine
      handler: async (r) => {
        deliveries.push(r.deliveryCount);
        await new Promise((resolve) => setTimeout(resolve, 2500));
      },
    });
    const running = consumer.run();
    await until(async () => (await lag('slow')) === 0, 15_000, 'slow record accepted');
    await consumer.stop();
    await running;
    expect(deliveries).toEqual([1]);
  });

  it('reconnects after a broker restart and finishes, losing nothing', async () => {
    await request(broker.url).post('/topics').send({ name: 'steady', partitions: 2 }).expect(201);
    await new Producer({ url: broker.url, maxBatch: 1000 }).send(
      'steady',
      Array.from({ length: 3000 }, (_x, i) => ({ value: i })),
    );
    const seen = new Set<number>();
    const port = new URL(broker.url).port;
    const consumer = new ShareConsumer({
      url: broker.url,
      group: 'survivors',
      topics: ['steady'],
      concurrency: 8,
      handler: async (r) => {
        seen.add(r.value as number);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
    const running = consumer.run();
    await until(() => seen.size >= 500, 20_000, 'some handled');
    await broker.close();
    broker = await startTestBroker(dir.path, { WEIR_HTTP_PORT: port }, new SystemClock());
    await until(
      async () => seen.size === 3000 && (await lag('survivors')) === 0,
      40_000,
      'all handled after restart',
    );
    await consumer.stop();
    await running;
    expect(seen.size).toBe(3000);
  });
});
