import { Logger } from '@nestjs/common';
import request from 'supertest';
import { SharePartitionWriter } from '../../src/modules/queues/share-partition-writer';
import { useBroker } from '../support/broker-fixture';
import { sample } from '../support/prometheus-sample';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

/**
 * One share group whose dead-letter topic was deleted (auto-create off) cannot archive its
 * records: that must stay its own problem. The healthy group beside it keeps its timer-driven
 * expiry, the broken group's records stay where they are, each is reported once, and nothing
 * spins on the overdue deadline.
 */
describe('share groups: one broken group does not stop lock expiry for the others', () => {
  const fixture = useBroker({ WEIR_AUTO_CREATE_TOPICS: 'false' });
  let broker: TestBroker;
  let q: QueueClient;
  let errors: string[];

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
    errors = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(String(message));
      // A busy loop runs inside clock.advance and would never return: end it as a failure.
      if (errors.length > 100) throw new Error('lock expiry is looping on a failing deadline');
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const createTopic = (name: string) =>
    request(broker.url).post('/topics').send({ name, partitions: 1 }).expect(201);

  const metric = async (name: string, labels: Record<string, string>) =>
    sample((await request(broker.url).get('/metrics').expect(200)).text, name, labels);

  async function brokenBesideHealthy() {
    for (const name of ['orders', 'emails', 'dlq.broken.orders', 'dlq.healthy.emails'])
      await createTopic(name);
    await q.produce('orders', [{ value: 'o1' }, { value: 'o2' }]);
    await q.produce('emails', [{ value: 'e1' }]);
    await q.putGroup('broken', { topics: ['orders'], lockDurationMs: 1000, maxDeliveryCount: 1 });
    await q.putGroup('healthy', { topics: ['emails'], lockDurationMs: 2000 });
    expect((await q.receive('broken', { maxRecords: 10 })).records).toHaveLength(2);
    expect((await q.receive('healthy')).records).toHaveLength(1);
    await request(broker.url).delete('/topics/dlq.broken.orders').expect(204);
  }

  it('expires and redelivers the healthy group while the broken one fails once per record', async () => {
    await brokenBesideHealthy();

    broker.clock.advance(1000); // the broken group's locks expire; archiving them fails
    broker.clock.advance(1000); // the healthy group's lock expires
    await broker.app.get(SharePartitionWriter).settled(); // its expiry is written
    const [again] = (await q.receive('healthy')).records;
    expect(again).toMatchObject({ offset: 0, deliveryCount: 2, value: 'e1' });

    for (let i = 0; i < 5; i++) broker.clock.advance(20_000); // several retries come and go
    await broker.app.get(SharePartitionWriter).settled();
    expect(errors.filter((e) => e.includes('orders/0@0'))).toHaveLength(1);
    expect(errors.filter((e) => e.includes('orders/0@1'))).toHaveLength(1);
    expect(errors).toHaveLength(2);

    const described = await q.describe('broken');
    expect(described.partitions[0]).toMatchObject({ acquired: 2, archived: 0, startOffset: 0 });
    const broken = { group: 'broken', topic: 'orders' };
    const healthy = { group: 'healthy', topic: 'emails' };
    expect(await metric('weir_share_expiry_failures_total', healthy)).toBe(0);
    expect(await metric('weir_share_expiry_failures_total', broken)).toBe(2);
    expect((await metric('weir_share_lock_expirations_total', broken)) ?? 0).toBe(0);
    // the healthy group's first lock, then its redelivery's lock during the retries
    expect(await metric('weir_share_lock_expirations_total', healthy)).toBe(2);
  });

  it('dead-letters the parked records once their dead-letter topic is back', async () => {
    await brokenBesideHealthy();
    broker.clock.advance(1000);
    await broker.app.get(SharePartitionWriter).settled(); // the failed archives are reported
    expect(errors).toHaveLength(2);

    await createTopic('dlq.broken.orders');
    broker.clock.advance(30_000); // the retry
    await broker.app.get(SharePartitionWriter).settled(); // writes the archives and their copies
    expect((await q.readAll('dlq.broken.orders', 0)).map((r) => r.value)).toEqual(['o1', 'o2']);
    expect((await q.describe('broken')).partitions[0]).toMatchObject({ acquired: 0, lag: 0 });
    expect(errors).toHaveLength(2);
    expect(
      await metric('weir_share_expiry_failures_total', { group: 'broken', topic: 'orders' }),
    ).toBe(2);
  });

  it('retries the parked records at once when the group settings change', async () => {
    await brokenBesideHealthy();
    broker.clock.advance(1000);
    await q.putGroup('broken', { topics: ['orders'], deadLetterTopic: null });
    broker.clock.advance(0);
    await broker.app.get(SharePartitionWriter).settled();
    expect((await q.describe('broken')).partitions[0]).toMatchObject({ acquired: 0, lag: 0 });
  });
});
