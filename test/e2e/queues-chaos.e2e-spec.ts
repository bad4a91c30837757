import request from 'supertest';
import { sample } from '../support/prometheus-sample';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

/** A small seeded PRNG (mulberry32) so that a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Value of one sample (0 when absent: a counter that never moved has no sample). */
const metric = (text: string, name: string, labels: Record<string, string>): number =>
  sample(text, name, labels) ?? 0;

type Action = 'accept' | 'release' | 'reject' | 'renew' | 'stall';

describe('share groups: chaos', () => {
  const fixture = useBroker();
  let broker: TestBroker;

  beforeEach(() => {
    broker = fixture.broker;
  });

  it('ends with every record acknowledged once or dead-lettered once, and counts that agree', async () => {
    const seed = 932;
    const random = prng(seed);
    const total = 2000;
    const q = new QueueClient(broker.url);
    await request(broker.url).post('/topics').send({ name: 'chaos', partitions: 3 }).expect(201);
    await q.putGroup('c', {
      topics: ['chaos'],
      maxDeliveryCount: 3,
      lockDurationMs: 10_000,
      backoffMs: [0, 500],
    });
    for (let i = 0; i < total; i += 500) {
      await q.produce(
        'chaos',
        Array.from({ length: 500 }, (_x, j) => ({ key: `k${(i + j) % 37}`, value: i + j })),
      );
    }

    const seen = { accept: 0, reject: 0, release: 0, renew: 0, lost: 0 };
    const accepted = new Map<number, number>();
    const pick = (): Action => {
      const x = random();
      return x < 0.55
        ? 'accept'
        : x < 0.7
          ? 'release'
          : x < 0.78
            ? 'reject'
            : x < 0.88
              ? 'renew'
              : 'stall';
    };
    type Delivered = { value: number; receipt: string };
    const act = async (
      records: Delivered[],
      send: (acks: object[]) => Promise<Array<{ ok: boolean }>>,
    ) => {
      const acks: object[] = [];
      const kinds: Array<{ action: Action; value: number }> = [];
      for (const r of records) {
        const action = pick();
        if (action === 'stall') continue;
        acks.push({
          receipt: r.receipt,
          type: action,
          ...(action === 'reject' ? { error: 'chaos' } : {}),
        });
        kinds.push({ action, value: r.value });
      }
      if (acks.length === 0) return;
      const results = await send(acks);
      const renewed: Delivered[] = [];
      results.forEach((res, i) => {
        const { action, value } = kinds[i]!;
        if (!res.ok) {
          seen.lost += 1;
          return;
        }
        seen[action as keyof typeof seen] += 1;
        if (action === 'accept') accepted.set(value, (accepted.get(value) ?? 0) + 1);
        if (action === 'renew') renewed.push(records.find((r) => r.value === value)!);
      });
      if (renewed.length > 0) {
        const finals = await send(renewed.map((r) => ({ receipt: r.receipt, type: 'accept' })));
        finals.forEach((res, i) => {
          if (!res.ok) return void (seen.lost += 1);
          seen.accept += 1;
          const value = renewed[i]!.value;
          accepted.set(value, (accepted.get(value) ?? 0) + 1);
        });
      }
    };

    const httpRound = async () => {
      const got = (await q.receive('c', { maxRecords: 1 + Math.floor(random() * 30) }))
        .records as Delivered[];
      await act(got, (acks) => q.ack('c', acks));
    };
    let ws = await WsTestClient.connect(broker.wsUrl);
    let sub = await ws.request({ type: 'subscribe', mode: 'share', group: 'c', credit: 20 });
    let taken = 0;
    const wsRound = async () => {
      if (random() < 0.05) {
        await ws.close(); // disconnect: whatever it holds is released
        ws = await WsTestClient.connect(broker.wsUrl);
        sub = await ws.request({ type: 'subscribe', mode: 'share', group: 'c', credit: 20 });
        taken = 0;
        return;
      }
      const all = ws.frames
        .filter((f) => f.type === 'records')
        .flatMap((f) => f.records as Delivered[]);
      const fresh = all.slice(taken);
      taken = all.length;
      await act(
        fresh,
        async (acks) => (await ws.request({ type: 'ack', acks })).results as Array<{ ok: boolean }>,
      );
      if (fresh.length > 0)
        ws.send({ type: 'credit', subscriptionId: sub.subscriptionId, records: fresh.length });
    };

    let lag = total;
    for (let round = 0; round < 400 && lag > 0; round++) {
      await Promise.all([httpRound(), httpRound(), httpRound(), wsRound()]);
      if (round % 5 === 4) broker.clock.advance(10_000); // stalled locks expire, backoff falls due
      const described = await q.describe('c');
      lag = described.partitions.reduce((n: number, p: { lag: number }) => n + p.lag, 0);
    }
    await ws.close();
    expect(lag).toBe(0);

    const dead = await q.readAll('dlq.c.chaos', 0);
    const deadValues = dead.map((r) => r.value as number);
    expect(new Set(deadValues).size).toBe(deadValues.length);
    expect([...accepted.values()].every((times) => times === 1)).toBe(true);
    expect(deadValues.filter((v) => accepted.has(v))).toEqual([]);
    expect(accepted.size + deadValues.length).toBe(total);

    const described = await q.describe('c');
    for (const p of described.partitions)
      expect(p).toMatchObject({ available: 0, acquired: 0, lag: 0 });
    const text = (await request(broker.url).get('/metrics').expect(200)).text;
    const labels = { group: 'c', topic: 'chaos' };
    expect(metric(text, 'weir_share_acknowledgements_total', { ...labels, type: 'accept' })).toBe(
      seen.accept,
    );
    expect(metric(text, 'weir_share_acknowledgements_total', { ...labels, type: 'reject' })).toBe(
      seen.reject,
    );
    expect(metric(text, 'weir_share_acknowledgements_total', { ...labels, type: 'release' })).toBe(
      seen.release,
    );
    expect(metric(text, 'weir_share_acknowledgements_total', { ...labels, type: 'renew' })).toBe(
      seen.renew,
    );
    const rejected = dead.filter((r) => r.headers['weir-dlq-reason'] === 'CLIENT_REJECT').length;
    expect(rejected).toBe(seen.reject);
    expect(
      metric(text, 'weir_dead_lettered_records_total', { ...labels, reason: 'CLIENT_REJECT' }),
    ).toBe(rejected);
    expect(
      metric(text, 'weir_dead_lettered_records_total', {
        ...labels,
        reason: 'DELIVERY_COUNT_EXCEEDED',
      }),
    ).toBe(dead.length - rejected);
    for (const p of [0, 1, 2]) {
      expect(metric(text, 'weir_share_group_lag', { ...labels, partition: String(p) })).toBe(0);
    }
    // the run exercised every path, including acknowledgements that lost their lock
    expect(Math.min(seen.accept, seen.reject, seen.release, seen.renew, seen.lost)).toBeGreaterThan(
      0,
    );
    expect(dead.length - rejected).toBeGreaterThan(0);
  });
});
