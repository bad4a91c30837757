import request from 'supertest';
import { LogWaiters } from '../../src/modules/topics/log-waiters';
import { LockExpiryScheduler } from '../../src/modules/queues/lock-expiry.scheduler';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

/**
 * A waiting receiver must be answered by the event that makes a record deliverable, never by
 * its own timeout. The fake clock is never moved to the receive's wait deadline here, so a
 * receive that resolves with records can only have been woken.
 */
describe('share groups: waiting receivers wake when a record becomes deliverable', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;
  const WAIT_MS = 60_000;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  /** A group whose window (one record) is full: a worker holds offset 0, offset 1 waits. */
  async function fullWindow(overrides: object = {}) {
    await q.produce('jobs', [{ value: 'first' }, { value: 'second' }]);
    await q.putGroup('g', {
      topics: ['jobs'],
      maxInFlightRecords: 1,
      lockDurationMs: 1000,
      ...overrides,
    });
    const [held] = (await q.receive('g', { memberId: 'worker' })).records;
    expect(held).toMatchObject({ offset: 0 });
    return held;
  }

  /** Starts a long-poll and resolves once it sleeps in the broker. */
  async function waitingReceive() {
    let settled = false;
    const startedAtMs = broker.clock.now();
    const answer = q.receive('g', { memberId: 'waiter', waitMs: WAIT_MS }).finally(() => {
      settled = true;
    });
    answer.catch(() => undefined); // a test that failed leaves it to the broker's shutdown
    await eventually(() => broker.app.get(LogWaiters).size === 1, 5000, 'receiver asleep');
    expect(settled).toBe(false);
    return {
      /** The answer, which must come before the clock reaches the wait deadline. */
      answered: async () => {
        await eventually(() => settled, 5000, 'receiver woken');
        expect(broker.clock.now()).toBeLessThan(startedAtMs + WAIT_MS);
        return answer;
      },
    };
  }

  it('wakes a receiver when an accept frees room in a full window', async () => {
    const held = await fullWindow();
    const waiter = await waitingReceive();
    const [result] = await q.ack('g', [{ receipt: held.receipt, type: 'accept' }]);
    expect(result.ok).toBe(true);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[1, 1]]);
  });

  it('wakes a receiver when a reject frees room in a full window', async () => {
    const held = await fullWindow();
    const waiter = await waitingReceive();
    const [result] = await q.ack('g', [{ receipt: held.receipt, type: 'reject' }]);
    expect(result.ok).toBe(true);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[1, 1]]);
  });

  it('wakes a receiver when an ack finds its lock expired and ends that attempt', async () => {
    const held = await fullWindow();
    // The timer would expire the lock itself: hold it back, so that the late ack finds it.
    broker.app.get(LockExpiryScheduler).beforeApplicationShutdown();
    const waiter = await waitingReceive();
    broker.clock.advance(1000);
    const [result] = await q.ack('g', [{ receipt: held.receipt, type: 'accept' }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'LOCK_LOST' } });
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[0, 2]]);
  });

  it('wakes a receiver when an expiry archives the last delivery and frees room', async () => {
    await fullWindow({ maxDeliveryCount: 1 });
    const waiter = await waitingReceive();
    broker.clock.advance(1000);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[1, 1]]);
  });

  it('wakes a receiver when a release delay falls due', async () => {
    const held = await fullWindow();
    const waiter = await waitingReceive();
    await q.ack('g', [{ receipt: held.receipt, type: 'release', delayMs: 5000 }]);
    broker.clock.advance(5000);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[0, 2]]);
  });

  it('wakes a receiver when the group is reset', async () => {
    await fullWindow();
    const waiter = await waitingReceive();
    await request(broker.url).post('/queues/groups/g/reset').send({ to: 'earliest' }).expect(200);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[0, 1]]);
  });

  it('wakes a receiver of a topic that did not exist yet when its first records are produced', async () => {
    await q.putGroup('g', { topics: ['later'] });
    const waiter = await waitingReceive();
    await q.produce('later', [{ value: 'new' }]);
    const got = await waiter.answered();
    expect(got.records.map((r) => [r.topic, r.offset, r.deliveryCount])).toEqual([['later', 0, 1]]);
  });

  it('wakes nobody for an ack that failed', async () => {
    const held = await fullWindow();
    const waiter = await waitingReceive();
    const notify = jest.spyOn(broker.app.get(LogWaiters), 'notify');
    const [result] = await q.ack('g', [
      {
        receipt: held.receipt.replace(/.$/, (c: string) => (c === 'a' ? 'b' : 'a')),
        type: 'release',
      },
    ]);
    expect(result).toMatchObject({ ok: false, error: { code: 'LOCK_LOST' } });
    expect(notify.mock.calls.filter(([key]) => key.startsWith('share:'))).toEqual([]);
    expect(broker.app.get(LogWaiters).size).toBe(1);
    await q.ack('g', [{ receipt: held.receipt, type: 'accept' }]);
    expect((await waiter.answered()).records).toHaveLength(1);
  });
});
