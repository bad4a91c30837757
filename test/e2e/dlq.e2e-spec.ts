import request from 'supertest';
import { SharePartitionWriter } from '../../src/modules/queues/share-partition-writer';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import type { TestBroker } from '../support/test-app';

describe('dead-letter operations', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let q: QueueClient;

  beforeEach(() => {
    broker = fixture.broker;
    q = new QueueClient(broker.url);
  });

  /** Dead-letters `a` and `b` by reject and `c` by the delivery limit (2) in group g. */
  async function deadLetterThree(): Promise<void> {
    await q.produce('jobs', [
      { key: 'ka', value: 'a', headers: { h: '1' } },
      { key: 'kb', value: 'b' },
      { key: 'kc', value: 'c' },
    ]);
    await q.putGroup('g', { topics: ['jobs'], maxDeliveryCount: 2, lockDurationMs: 1000 });
    const first = (await q.receive('g')).records;
    await q.ack('g', [
      { receipt: first[0].receipt, type: 'reject', error: 'nope' },
      { receipt: first[1].receipt, type: 'reject' },
      { receipt: first[2].receipt, type: 'release' },
    ]);
    const [again] = (await q.receive('g')).records;
    expect(again).toMatchObject({ value: 'c', deliveryCount: 2 });
    broker.clock.advance(1000); // the last allowed delivery's lock expires
    await broker.app.get(SharePartitionWriter).settled(); // its archive and dead-letter copy are written
    expect((await q.receive('g')).records).toEqual([]);
  }

  it('lists dead-letter topics with counts by reason and oldest age, and browses them', async () => {
    await deadLetterThree();
    broker.clock.advance(5000);
    const list = await request(broker.url).get('/dlq').expect(200);
    expect(list.body.topics).toEqual([
      {
        topic: 'dlq.g.jobs',
        records: 3,
        oldestAgeMs: 6000,
        byReason: { CLIENT_REJECT: 2, DELIVERY_COUNT_EXCEEDED: 1 },
      },
    ]);
    const page = await request(broker.url)
      .get('/dlq/dlq.g.jobs/records?offset=0&maxRecords=10')
      .expect(200);
    expect(page.body.records.map((r: { value: string }) => r.value)).toEqual(['a', 'b', 'c']);
    expect(page.body.records[0].headers).toMatchObject({
      h: '1',
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-error': 'nope',
    });
  });

  it('redrives dead-lettered records to their source once, where the share group consumes them again', async () => {
    await deadLetterThree();
    const first = await request(broker.url).post('/dlq/dlq.g.jobs/redrive').send({}).expect(200);
    expect(first.body).toEqual({ redriven: 3, skipped: 0 });
    const second = await request(broker.url)
      .post('/dlq/dlq.g.jobs/redrive')
      .send({ fromOffset: 0 })
      .expect(200);
    expect(second.body).toEqual({ redriven: 0, skipped: 3 });

    const source = await q.readAll('jobs', 0);
    expect(source.map((r) => r.value)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(source[3]).toMatchObject({
      key: 'ka',
      headers: { h: '1', 'weir-redrive-of': 'dlq.g.jobs/0/0' },
    });
    expect(Object.keys(source[3].headers).some((h: string) => h.startsWith('weir-dlq-'))).toBe(
      false,
    );

    const again = (await q.receive('g')).records;
    expect(again.map((r) => [r.value, r.deliveryCount, r.offset])).toEqual([
      ['a', 1, 3],
      ['b', 1, 4],
      ['c', 1, 5],
    ]);
    await q.ack(
      'g',
      again.map((r) => ({ receipt: r.receipt, type: 'accept' })),
    );
    expect((await q.describe('g')).partitions[0].lag).toBe(0);
  });

  it('redrives only the chosen range or reason, to another topic if asked', async () => {
    await deadLetterThree();
    const byReason = await request(broker.url)
      .post('/dlq/dlq.g.jobs/redrive')
      .send({ reason: 'DELIVERY_COUNT_EXCEEDED', targetTopic: 'retry-lane' })
      .expect(200);
    expect(byReason.body).toEqual({ redriven: 1, skipped: 0 });
    expect((await q.readAll('retry-lane', 0)).map((r) => r.value)).toEqual(['c']);
    const range = await request(broker.url)
      .post('/dlq/dlq.g.jobs/redrive')
      .send({ fromOffset: 1, toOffset: 3 })
      .expect(200);
    expect(range.body).toEqual({ redriven: 1, skipped: 1 });
    expect((await q.readAll('jobs', 0)).map((r) => r.value)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('appends each record once when redrives run concurrently', async () => {
    await deadLetterThree();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => request(broker.url).post('/dlq/dlq.g.jobs/redrive').send({})),
    );
    expect(answers.reduce((n, a) => n + (a.body.redriven as number), 0)).toBe(3);
    expect(await q.readAll('jobs', 0)).toHaveLength(6);
  });

  it('purges records below an offset and the counts follow', async () => {
    await deadLetterThree();
    const purged = await request(broker.url)
      .post('/dlq/dlq.g.jobs/purge')
      .send({ beforeOffset: 2 })
      .expect(200);
    expect(purged.body).toEqual({ purged: 2 });
    const list = await request(broker.url).get('/dlq').expect(200);
    expect(list.body.topics[0]).toMatchObject({
      records: 1,
      byReason: { DELIVERY_COUNT_EXCEEDED: 1 },
    });
    expect(list.body.topics[0].byReason.CLIENT_REJECT).toBeUndefined();
    const page = await request(broker.url).get('/dlq/dlq.g.jobs/records').expect(200);
    expect(page.body.records.map((r: { value: string }) => r.value)).toEqual(['c']);
    expect(
      (
        await request(broker.url)
          .post('/dlq/dlq.g.jobs/purge')
          .send({ beforeOffset: 2 })
          .expect(200)
      ).body,
    ).toEqual({
      purged: 0,
    });
    const metrics = (await request(broker.url).get('/metrics').expect(200)).text;
    expect(metrics).toContain(
      'weir_dead_letter_topic_records{topic="dlq.g.jobs",reason="DELIVERY_COUNT_EXCEEDED"} 1',
    );
  });

  it('keeps a dead-letter topic that a group names listed and usable while it is empty', async () => {
    await q.putGroup('early', { topics: ['jobs'] });
    const before = await request(broker.url).get('/dlq').expect(200);
    expect(before.body.topics).toEqual([
      { topic: 'dlq.early.jobs', records: 0, oldestAgeMs: null, byReason: {} },
    ]);
    const empty = await request(broker.url).get('/dlq/dlq.early.jobs/records').expect(200);
    expect(empty.body.records).toEqual([]);

    await deadLetterThree();
    await request(broker.url)
      .post('/dlq/dlq.g.jobs/purge')
      .send({ beforeOffset: 3 })
      .expect(200, { purged: 3 });
    const after = await request(broker.url).get('/dlq').expect(200);
    expect(after.body.topics).toContainEqual({
      topic: 'dlq.g.jobs',
      records: 0,
      oldestAgeMs: null,
      byReason: {},
    });
    await request(broker.url).get('/dlq/dlq.g.jobs/records').expect(200);
    await request(broker.url).post('/dlq/dlq.g.jobs/redrive').send({}).expect(200, {
      redriven: 0,
      skipped: 0,
    });
    await request(broker.url)
      .post('/dlq/dlq.g.jobs/purge')
      .send({ beforeOffset: 3 })
      .expect(200, { purged: 0 });
    const metrics = (await request(broker.url).get('/metrics').expect(200)).text;
    expect(metrics).toContain(
      'weir_dead_letter_topic_records{topic="dlq.g.jobs",reason="CLIENT_REJECT"} 0',
    );
  });

  it('answers bad input with clear errors', async () => {
    await deadLetterThree();
    await q.produce('plain', [{ value: 1 }]);
    const notDlq = await request(broker.url).post('/dlq/plain/redrive').send({});
    expect([notDlq.status, notDlq.body.error.code]).toEqual([404, 'TOPIC_NOT_FOUND']);
    const missing = await request(broker.url).get('/dlq/nothing/records');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'TOPIC_NOT_FOUND']);
    const badReason = await request(broker.url)
      .post('/dlq/dlq.g.jobs/redrive')
      .send({ reason: 'BORED' });
    expect([badReason.status, badReason.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const noOffset = await request(broker.url).post('/dlq/dlq.g.jobs/purge').send({});
    expect([noOffset.status, noOffset.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const badTarget = await request(broker.url)
      .post('/dlq/dlq.g.jobs/redrive')
      .send({ targetTopic: 'no spaces' });
    expect([badTarget.status, badTarget.body.error.code]).toEqual([422, 'INVALID_TOPIC_NAME']);
  });
});
