import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

interface Delivery {
  offset: number;
  partition: number;
  receipt: string;
  deliveryCount: number;
}

/** A WebSocket worker: takes pushed records, acks them, grants credit back. */
class WsWorker {
  private taken = 0;
  private constructor(
    readonly client: WsTestClient,
    readonly subscriptionId: string,
  ) {}

  static async start(url: string, group: string, credit: number): Promise<WsWorker> {
    const client = await WsTestClient.connect(url);
    const sub = await client.request({ type: 'subscribe', mode: 'share', group, credit });
    return new WsWorker(client, String(sub.subscriptionId));
  }

  /** Records pushed since the last call. */
  take(): Delivery[] {
    const all = this.client.frames
      .filter((f) => f.type === 'records')
      .flatMap((f) => f.records as Delivery[]);
    const fresh = all.slice(this.taken);
    this.taken = all.length;
    return fresh;
  }
}

describe('share groups under load', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  it('has 8 concurrent workers (HTTP and WebSocket) accept each of 10,000 records exactly once', async () => {
    const total = 10_000;
    await q.putGroup('load', { topics: ['work'] });
    for (let batch = 0; batch < total / 1000; batch++) {
      await q.produce(
        'work',
        Array.from({ length: 1000 }, (_x, i) => ({ value: batch * 1000 + i })),
      );
    }
    const accepted = new Map<number, number>(); // value -> times accepted
    const deliveryCounts: number[] = [];
    const note = (value: number) => accepted.set(value, (accepted.get(value) ?? 0) + 1);

    const httpWorker = async () => {
      for (let round = 0; round < 2000 && accepted.size < total; round++) {
        const got = (await q.receive('load', { maxRecords: 50 })).records;
        if (got.length === 0) continue;
        got.forEach((r) => deliveryCounts.push(r.deliveryCount));
        const results = await q.ack(
          'load',
          got.map((r) => ({ receipt: r.receipt, type: 'accept' })),
        );
        results.forEach((res, i) => res.ok && note(got[i].value as number));
      }
    };
    const wsWorker = async () => {
      const worker = await WsWorker.start(broker.wsUrl, 'load', 50);
      try {
        for (let round = 0; round < 4000 && accepted.size < total; round++) {
          const got = worker.take() as Array<Delivery & { value: number }>;
          if (got.length === 0) {
            // wait for a frame not seen yet (those received already would match at once and
            // spend the round bound in a spin, closing the worker while it holds pushed records)
            const seen = worker.client.frames.length;
            await worker.client
              .waitFor(() => worker.client.frames.length > seen, 50)
              .catch(() => undefined);
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
          got.forEach((r) => deliveryCounts.push(r.deliveryCount));
          const answer = await worker.client.request({
            type: 'ack',
            acks: got.map((r) => ({ receipt: r.receipt, type: 'accept' })),
          });
          (answer.results as Array<{ ok: boolean }>).forEach(
            (res, i) => res.ok && note(got[i]!.value),
          );
          worker.client.send({
            type: 'credit',
            subscriptionId: worker.subscriptionId,
            records: got.length,
          });
        }
      } finally {
        await worker.client.close();
      }
    };
    await Promise.all([
      ...Array.from({ length: 4 }, httpWorker),
      ...Array.from({ length: 4 }, wsWorker),
    ]);

    expect(accepted.size).toBe(total);
    expect([...accepted.values()].every((times) => times === 1)).toBe(true);
    expect(deliveryCounts).toHaveLength(total);
    expect(deliveryCounts.every((c) => c === 1)).toBe(true);
    const described = await q.describe('load');
    expect(described.partitions[0]).toMatchObject({ startOffset: total, lag: 0, acquired: 0 });
  });
});
