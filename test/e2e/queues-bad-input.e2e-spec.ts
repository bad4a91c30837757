import request from 'supertest';
import { makeTempDir } from '../support/temp-dir';
import { QueueClient } from '../support/queue-client';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('share groups: bad input', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let q: QueueClient;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    q = new QueueClient(broker.url);
    await q.putGroup('g', { topics: ['jobs'] });
    await q.putGroup('other', { topics: ['jobs'] });
    await q.produce('jobs', [{ value: 1 }, { value: 2 }]);
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  const expectError = (res: request.Response, status: number, code: string) =>
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });

  it.each([
    ['no topics', {}, 400, 'INVALID_REQUEST'],
    ['an empty topic list', { topics: [] }, 400, 'INVALID_REQUEST'],
    ['a lock below one second', { topics: ['jobs'], lockDurationMs: 999 }, 422, 'INVALID_CONFIG'],
    [
      'a lock above twelve hours',
      { topics: ['jobs'], lockDurationMs: 12 * 3600_000 + 1 },
      422,
      'INVALID_CONFIG',
    ],
    ['a delivery limit of 0', { topics: ['jobs'], maxDeliveryCount: 0 }, 422, 'INVALID_CONFIG'],
    ['a delivery limit of 101', { topics: ['jobs'], maxDeliveryCount: 101 }, 422, 'INVALID_CONFIG'],
    ['a negative backoff', { topics: ['jobs'], backoffMs: [-1] }, 400, 'INVALID_REQUEST'],
    ['an unknown startFrom', { topics: ['jobs'], startFrom: 'yesterday' }, 400, 'INVALID_REQUEST'],
    ['an invalid topic name', { topics: ['no spaces'] }, 422, 'INVALID_TOPIC_NAME'],
    ['an unknown field', { topics: ['jobs'], priority: 3 }, 400, 'INVALID_REQUEST'],
  ])('refuses a group with %s', async (_label, body, status, code) => {
    expectError(await request(broker.url).put('/queues/groups/new-group').send(body), status, code);
  });

  it('refuses an invalid group name', async () => {
    expectError(
      await request(broker.url)
        .put('/queues/groups/bad%20name')
        .send({ topics: ['jobs'] }),
      422,
      'INVALID_GROUP_NAME',
    );
  });

  it.each([
    ['a lock duration out of range', { lockDurationMs: 500 }, 422, 'INVALID_LOCK_DURATION'],
    ['a negative waitMs', { waitMs: -1 }, 400, 'INVALID_REQUEST'],
    ['a zero maxRecords', { maxRecords: 0 }, 400, 'INVALID_REQUEST'],
    ['a string maxRecords', { maxRecords: '10' }, 400, 'INVALID_REQUEST'],
  ])('refuses a receive with %s', async (_label, body, status, code) => {
    expectError(
      await request(broker.url).post('/queues/groups/g/receive').send(body),
      status,
      code,
    );
  });

  it('answers unknown groups with 404', async () => {
    expectError(await request(broker.url).get('/queues/groups/missing'), 404, 'GROUP_NOT_FOUND');
    expectError(
      await request(broker.url)
        .post('/queues/groups/missing/acks')
        .send({ acks: [{}] }),
      404,
      'GROUP_NOT_FOUND',
    );
    expectError(
      await request(broker.url).post('/queues/groups/missing/reset').send({ to: 'earliest' }),
      404,
      'GROUP_NOT_FOUND',
    );
    expectError(await request(broker.url).delete('/queues/groups/missing'), 404, 'GROUP_NOT_FOUND');
  });

  it('refuses a malformed acks request as a whole', async () => {
    expectError(
      await request(broker.url).post('/queues/groups/g/acks').send({}),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await request(broker.url).post('/queues/groups/g/acks').send({ acks: [] }),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await request(broker.url).post('/queues/groups/g/acks').send({ acks: 'all' }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('answers each bad acknowledgement on its own and applies the good ones', async () => {
    const [r1, r2] = (await q.receive('g', { maxRecords: 2 })).records;
    const [foreign] = (await q.receive('other', { maxRecords: 1 })).records;
    const results = await q.ack('g', [
      { receipt: r1.receipt, type: 'accept' },
      { receipt: 'not-a-receipt', type: 'accept' },
      { receipt: foreign.receipt, type: 'accept' },
      { receipt: r2.receipt, type: 'explode' },
      { type: 'accept' },
      5,
      { receipt: r2.receipt, type: 'renew', lockDurationMs: 999_999_999 },
      { receipt: r2.receipt, type: 'release', delayMs: -5 },
      { receipt: r1.receipt, type: 'accept' },
      { receipt: r2.receipt, type: 'accept' },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'INVALID_RECEIPT',
      'INVALID_RECEIPT',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'INVALID_LOCK_DURATION',
      'INVALID_REQUEST',
      'LOCK_LOST',
      'ok',
    ]);
    expect(results[1].receipt).toBe('not-a-receipt');
    const described = await q.describe('g');
    expect(described.partitions[0]).toMatchObject({ startOffset: 2, lag: 0 });
  });

  it('refuses a reset of a topic the group does not consume', async () => {
    const res = await request(broker.url)
      .post('/queues/groups/g/reset')
      .send({ topic: 'elsewhere', to: 'latest' });
    expectError(res, 404, 'TOPIC_NOT_FOUND');
    expectError(
      await request(broker.url).post('/queues/groups/g/reset').send({ to: 'yesterday' }),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await request(broker.url)
        .post('/queues/groups/g/reset')
        .send({ partitions: [0], to: 'latest' }),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await request(broker.url)
        .post('/queues/groups/g/reset')
        .send({ topic: 'jobs', partitions: [5], to: 'latest' }),
      404,
      'PARTITION_NOT_FOUND',
    );
  });
});
