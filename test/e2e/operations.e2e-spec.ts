import request from 'supertest';
import { sample } from '../support/prometheus-sample';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { testStorageKind } from '../support/test-storage';

describe('operations endpoints', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  it('answers liveness and readiness, saying which storage it is ready on', async () => {
    expect((await request(broker.url).get('/health/live').expect(200)).body).toEqual({
      status: 'ok',
    });
    expect((await request(broker.url).get('/health/ready').expect(200)).body).toEqual({
      status: 'ok',
      storage: testStorageKind(),
    });
    expect((await request(broker.url).get('/cluster').expect(200)).body).toMatchObject({
      storage: testStorageKind(),
    });
  });

  it('exposes produce counters and log offsets in Prometheus text', async () => {
    await request(broker.url).post('/topics').send({ name: 'm', partitions: 2 }).expect(201);
    await request(broker.url)
      .post('/topics/m/records')
      .send({
        records: [
          { value: 'abc', partition: 1 },
          { value: 'de', partition: 1 },
          { value: 1, partition: 0 },
        ],
      })
      .expect(200);
    const res = await request(broker.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.text;
    expect(sample(text, 'weir_records_produced_total', { topic: 'm' })).toBe(3);
    expect(sample(text, 'weir_produced_bytes_total', { topic: 'm' })).toBe(5 + 4 + 1);
    expect(sample(text, 'weir_log_end_offset', { topic: 'm', partition: '1' })).toBe(2);
    expect(sample(text, 'weir_log_end_offset', { topic: 'm', partition: '0' })).toBe(1);
    expect(sample(text, 'weir_log_start_offset', { topic: 'm', partition: '0' })).toBe(0);
    expect(
      sample(text, 'weir_request_duration_seconds_count', {
        transport: 'http',
        type: 'POST /topics/:topic/records',
      }),
    ).toBe(1);
  });

  it('describes every served route in a valid-looking OpenAPI 3 document and a docs page', async () => {
    const doc = (await request(broker.url).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/topics',
        '/topics/{topic}',
        '/topics/{topic}/records',
        '/topics/{topic}/partitions/{partition}/records',
        '/health/live',
        '/health/ready',
        '/metrics',
      ]),
    );
    const create = doc.paths['/topics'].post;
    expect(create.requestBody.content['application/json'].schema.properties.name.type).toBe(
      'string',
    );
    expect(create.responses['201']).toBeDefined();
    const read = doc.paths['/topics/{topic}/partitions/{partition}/records'].get;
    expect(read.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['topic', 'partition', 'offset', 'maxRecords', 'waitMs']),
    );
    const page = await request(broker.url).get('/docs').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('POST /topics/{topic}/records');
  });
});
