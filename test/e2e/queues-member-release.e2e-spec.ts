import request from 'supertest';
import { FORWARDED_HEADER } from '../../src/cluster/peer-client';
import { LogWaiters } from '../../src/modules/topics/log-waiters';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';

const LOCK_MS = 600_000;

describe('releasing what a member holds', () => {
  const fixture = useBroker();

  const setUp = async () => {
    const q = new QueueClient(fixture.broker.url);
    await q.putGroup('g', { topics: ['jobs'], lockDurationMs: LOCK_MS });
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const held = await q.receive('g', { memberId: 'm1', maxRecords: 2 });
    const other = await q.receive('g', { memberId: 'm2', maxRecords: 1 });
    expect([held.records.length, other.records.length]).toEqual([2, 1]);
    return { q, held: held.records, other: other.records };
  };

  const release = (memberId: string, body: object = {}, headers: Record<string, string> = {}) =>
    request(fixture.broker.url)
      .post(`/queues/groups/g/members/${memberId}/release`)
      .set(headers)
      .send(body);

  it("makes every record the member holds available again at once, its delivery count kept, and leaves other members' records locked", async () => {
    const { q, held, other } = await setUp();
    await release('m1').expect(204);
    const again = await q.receive('g', { memberId: 'm3', maxRecords: 10 });
    expect(again.records.map((r) => [r.offset, r.deliveryCount]).sort()).toEqual(
      held.map((r) => [r.offset, 2]).sort(),
    );
    const [result] = await q.ack('g', [{ receipt: other[0].receipt, type: 'accept' }]);
    expect(result).toMatchObject({ ok: true });
  });

  it("ignores a client's unsent receipts: a client can release its records, never take back a delivery", async () => {
    const { q, held } = await setUp();
    await release('m1', { unsent: [held[0].receipt] }).expect(204);
    const again = await q.receive('g', { memberId: 'm3', maxRecords: 10 });
    expect(again.records.map((r) => r.deliveryCount)).toEqual([2, 2]);
  });

  it('gives back only the unsent receipts another node names, with their delivery count restored', async () => {
    const { q, held } = await setUp();
    await release('m1', { unsent: [held[0].receipt] }, { [FORWARDED_HEADER]: 'node-x' }).expect(
      204,
    );
    const again = await q.receive('g', { memberId: 'm3', maxRecords: 10 });
    expect(again.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[held[0].offset, 1]]);
    const [result] = await q.ack('g', [{ receipt: held[1].receipt, type: 'accept' }]);
    expect(result).toMatchObject({ ok: true });
  });

  it('answers GROUP_NOT_FOUND for a group that does not exist', async () => {
    const answer = await request(fixture.broker.url)
      .post('/queues/groups/nope/members/m1/release')
      .send({})
      .expect(404);
    expect(answer.body.error.code).toBe('GROUP_NOT_FOUND');
  });
});

describe('a receive forwarded by another node', () => {
  const fixture = useBroker();

  it('stops waiting when the forwarding node goes away, so that a record produced later is not locked to nobody', async () => {
    const { broker } = fixture;
    const q = new QueueClient(broker.url);
    await q.putGroup('g', { topics: ['jobs'], lockDurationMs: LOCK_MS });
    const waiters = broker.app.get(LogWaiters);
    const caller = new AbortController();
    const forwarded = fetch(`${broker.url}/queues/groups/g/receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: 'node-x' },
      body: JSON.stringify({ memberId: 'fw', waitMs: 20_000 }),
      signal: caller.signal,
    }).catch((error: unknown) => error);
    await eventually(() => waiters.size === 1, 5_000, 'the forwarded receive waits');
    caller.abort();
    await forwarded;
    await eventually(() => waiters.size === 0, 5_000, 'the forwarded receive ended');

    await q.produce('jobs', [{ value: 'late' }]);
    const got = await q.receive('g', { memberId: 'w', maxRecords: 10 });
    expect(got.records.map((r) => [r.value, r.deliveryCount])).toEqual([['late', 1]]);
  });
});
