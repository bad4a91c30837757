import request from 'supertest';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('bad input', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {
      WEIR_MAX_BATCH_RECORDS: '5',
      WEIR_MAX_REQUEST_BYTES: '65536',
      WEIR_MAX_PARTITIONS: '16',
    });
    await request(broker.url)
      .post('/topics')
      .send({ name: 'small', partitions: 2, config: { maxMessageBytes: 100 } })
      .expect(201);
    await request(broker.url)
      .post('/topics/small/records')
      .send({ records: [{ value: 1 }] });
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  const expectError = (res: request.Response, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(typeof res.body.error.message).toBe('string');
  };

  it.each([
    ['an invalid name', { name: 'no spaces allowed' }, 422, 'INVALID_TOPIC_NAME'],
    ['a name of 250 characters', { name: 'a'.repeat(250) }, 422, 'INVALID_TOPIC_NAME'],
    ['zero partitions', { name: 'p0', partitions: 0 }, 422, 'INVALID_PARTITION_COUNT'],
    ['too many partitions', { name: 'p17', partitions: 17 }, 422, 'INVALID_PARTITION_COUNT'],
    ['a fractional partition count', { name: 'pf', partitions: 1.5 }, 400, 'INVALID_REQUEST'],
    ['a string partition count', { name: 'ps', partitions: '3' }, 400, 'INVALID_REQUEST'],
    ['a missing name', { partitions: 3 }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { name: 'x', colour: 'red' }, 400, 'INVALID_REQUEST'],
    ['a retention below -1', { name: 'r', config: { retentionMs: -2 } }, 400, 'INVALID_REQUEST'],
    [
      'a message limit above the request limit',
      { name: 'm', config: { maxMessageBytes: 1e9 } },
      422,
      'INVALID_CONFIG',
    ],
  ])('refuses to create a topic with %s', async (_label, body, status, code) => {
    expectError(await request(broker.url).post('/topics').send(body), status, code);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await request(broker.url)
      .post('/topics')
      .set('content-type', 'application/json')
      .send('{"name": "broken"');
    expectError(res, 400, 'INVALID_REQUEST');
  });

  it('answers a body over the request limit with 413', async () => {
    const res = await request(broker.url)
      .post('/topics/small/records')
      .send({ records: [{ value: 'x'.repeat(70_000) }] });
    expectError(res, 413, 'REQUEST_TOO_LARGE');
  });

  it('answers a record over maxMessageBytes with 413 and writes nothing', async () => {
    const res = await request(broker.url)
      .post('/topics/small/records')
      .send({ records: [{ value: 'ok' }, { value: 'x'.repeat(200) }] });
    expectError(res, 413, 'RECORD_TOO_LARGE');
    expect(res.body.error.details).toMatchObject({ index: 1 });
    const topic = await request(broker.url).get('/topics/small').expect(200);
    const total = topic.body.partitions.reduce(
      (n: number, p: { records: number }) => n + p.records,
      0,
    );
    expect(total).toBe(1);
  });

  it('answers a batch over the record limit with 413', async () => {
    const records = Array.from({ length: 6 }, () => ({ value: 1 }));
    expectError(
      await request(broker.url).post('/topics/small/records').send({ records }),
      413,
      'BATCH_TOO_LARGE',
    );
  });

  it.each([
    ['no records array', {}],
    ['an empty batch', { records: [] }],
    ['a record that is not an object', { records: [5] }],
    ['both key and keyBase64', { records: [{ key: 'a', keyBase64: 'YQ==' }] }],
    ['both value and valueBase64', { records: [{ value: 1, valueBase64: 'YQ==' }] }],
    ['invalid base64', { records: [{ valueBase64: '***' }] }],
    ['a non-string header', { records: [{ headers: { a: 1 } }] }],
    ['a negative partition', { records: [{ partition: -1 }] }],
    ['a string timestamp', { records: [{ timestampMs: 'now' }] }],
  ])('refuses a produce with %s with 400', async (_label, body) => {
    expectError(
      await request(broker.url).post('/topics/small/records').send(body),
      400,
      'INVALID_REQUEST',
    );
  });

  it('refuses a produce to a partition the topic does not have with 404', async () => {
    const res = await request(broker.url)
      .post('/topics/small/records')
      .send({ records: [{ partition: 2 }] });
    expectError(res, 404, 'PARTITION_NOT_FOUND');
  });

  it('refuses a produce to an invalid topic name with 422', async () => {
    const res = await request(broker.url)
      .post('/topics/bad%20name/records')
      .send({ records: [{ value: 1 }] });
    expectError(res, 422, 'INVALID_TOPIC_NAME');
  });

  it.each([
    ['an unknown topic', '/topics/nope/partitions/0/records', 404, 'TOPIC_NOT_FOUND'],
    ['an unknown partition', '/topics/small/partitions/9/records', 404, 'PARTITION_NOT_FOUND'],
    ['a non-numeric partition', '/topics/small/partitions/x/records', 400, 'INVALID_REQUEST'],
    ['a negative offset', '/topics/small/partitions/0/records?offset=-1', 400, 'INVALID_REQUEST'],
    [
      'a non-numeric maxRecords',
      '/topics/small/partitions/0/records?maxRecords=lots',
      400,
      'INVALID_REQUEST',
    ],
    [
      'an offset beyond the log end',
      '/topics/small/partitions/0/records?offset=99',
      422,
      'OFFSET_OUT_OF_RANGE',
    ],
  ])('refuses a read of %s', async (_label, path, status, code) => {
    expectError(await request(broker.url).get(path), status, code);
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    expectError(await request(broker.url).get('/nothing/here'), 404, 'ROUTE_NOT_FOUND');
  });

  it('refuses to update or delete an unknown topic with 404', async () => {
    expectError(await request(broker.url).patch('/topics/nope').send({}), 404, 'TOPIC_NOT_FOUND');
    expectError(await request(broker.url).delete('/topics/nope'), 404, 'TOPIC_NOT_FOUND');
  });

  it('keeps serving after all of the above', async () => {
    await request(broker.url).get('/health/live').expect(200);
    const res = await request(broker.url)
      .post('/topics/small/records')
      .send({ records: [{ value: 'still here' }] });
    expect(res.status).toBe(200);
  });
});

describe('auto-creation turned off', () => {
  it('answers a produce to an unknown topic with 404', async () => {
    const dir = makeTempDir();
    const broker = await startTestBroker(dir.path, { WEIR_AUTO_CREATE_TOPICS: 'false' });
    try {
      const res = await request(broker.url)
        .post('/topics/nope/records')
        .send({ records: [{ value: 1 }] });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('TOPIC_NOT_FOUND');
    } finally {
      await broker.close();
      dir.remove();
    }
  });
});
