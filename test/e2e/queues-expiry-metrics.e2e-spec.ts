import request from 'supertest';
import { SharePartitionWriter } from '../../src/modules/queues/share-partition-writer';
import { LockExpiryScheduler } from '../../src/modules/queues/lock-expiry.scheduler';
import { useBroker } from '../support/broker-fixture';
import { sample } from '../support/prometheus-sample';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

describe('share groups: lock expiration metric', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  const expirations = async (group: string) =>
    sample(
      (await request(broker.url).get('/metrics').expect(200)).text,
      'weir_share_lock_expirations_total',
      { group, topic: 'jobs' },
    );

  it('counts each expired lock once, whether the timer, a receive or a late ack found it', async () => {
    await q.produce('jobs', [{ value: 1 }, { value: 2 }]);
    const settings = { topics: ['jobs'], maxDeliveryCount: 1 };
    await q.putGroup('by-timer', { ...settings, lockDurationMs: 1000 });
    await q.putGroup('by-receive', { ...settings, lockDurationMs: 2000 });
    await q.putGroup('by-ack', { ...settings, lockDurationMs: 2000 });
    const held = new Map<string, any[]>();
    for (const group of ['by-timer', 'by-receive', 'by-ack'])
      held.set(group, (await q.receive(group, { maxRecords: 10 })).records);

    broker.clock.advance(1000); // the timer expires (and archives) by-timer's two locks
    await broker.app.get(SharePartitionWriter).settled(); // and writes it
    broker.app.get(LockExpiryScheduler).beforeApplicationShutdown();
    broker.clock.advance(1000); // the other locks end with no timer to find them

    expect((await q.receive('by-receive')).records).toEqual([]);
    const late = await q.ack(
      'by-ack',
      held.get('by-ack')!.map((r) => ({ receipt: r.receipt, type: 'accept' })),
    );
    expect(late.map((r) => r.error?.code)).toEqual(['LOCK_LOST', 'LOCK_LOST']);

    expect(await expirations('by-timer')).toBe(2);
    expect(await expirations('by-receive')).toBe(2);
    expect(await expirations('by-ack')).toBe(2);
    for (const group of ['by-timer', 'by-receive', 'by-ack'])
      expect((await q.describe(group)).partitions[0]).toMatchObject({ lag: 0, acquired: 0 });
  });
});
