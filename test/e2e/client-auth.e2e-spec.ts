import { lastValueFrom } from 'rxjs';
import request from 'supertest';
import { Admin } from '../../packages/client/src/admin';
import { Producer } from '../../packages/client/src/producer';
import { ShareConsumer } from '../../packages/client/src/share-consumer';
import { StreamConsumer } from '../../packages/client/src/stream-consumer';
import { runWeir } from '../../packages/client/test/support/run-weir';
import { ClientWeir } from '../../packages/nestjs/src/client-weir';
import { SystemClock } from '../../src/common/clock';
import { bearer, TOKENS, writeAuthFile } from '../support/auth-file';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('the client packages and the CLI against a broker with auth on', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(
      dir.path,
      { WEIR_AUTH_FILE: writeAuthFile(dir.path) },
      new SystemClock(),
    );
    await new Admin(broker.url, { token: TOKENS.ops }).createTopic('orders', { partitions: 1 });
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  it('Producer sends with its token, and fails UNAUTHENTICATED without one', async () => {
    const producer = new Producer({ url: broker.url, token: TOKENS.producer });
    const [sent] = await producer.send('orders', [{ value: { n: 1 } }]);
    await expect(sent).resolves.toMatchObject({ topic: 'orders' });
    await producer.close();
    await expect(new Admin(broker.url).listTopics()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
    });
    await expect(
      new Admin(broker.url, { token: TOKENS.producer }).deleteTopic('orders'),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });

  it('ShareConsumer and StreamConsumer consume with their token', async () => {
    await request(broker.url)
      .post('/topics/orders/records')
      .set(bearer('producer'))
      .send({ records: [{ value: 'share-me' }] })
      .expect(200);
    let shared!: () => void;
    const gotShared = new Promise<void>((resolve) => (shared = resolve));
    const worker = new ShareConsumer({ url: broker.url, token: TOKENS.worker });
    await worker.run({
      group: 'billing',
      topics: ['orders'],
      concurrency: 1,
      handler: (record) => {
        if (record.value === 'share-me') shared();
        return Promise.resolve();
      },
    });
    await gotShared;
    await worker.stop();

    let streamed!: () => void;
    const gotStreamed = new Promise<void>((resolve) => (streamed = resolve));
    const analytics = new StreamConsumer({ url: broker.url, token: TOKENS.worker });
    await analytics.run({
      group: 'billing',
      topics: ['orders'],
      autoOffsetReset: 'earliest',
      eachBatch: ({ records }) => {
        if (records.length > 0) streamed();
        return Promise.resolve();
      },
    });
    await gotStreamed;
    await analytics.stop();
  });

  it('the Nest ClientWeir emits with its token', async () => {
    const client = new ClientWeir({ url: broker.url, token: TOKENS.producer });
    await client.connect();
    await lastValueFrom(client.emit('orders', { from: 'nest' }));
    await client.close();
    const page = await request(broker.url)
      .get('/topics/orders/partitions/0/records?offset=0&maxRecords=100')
      .set(bearer('reader'))
      .expect(200);
    expect(page.body.records.map((r: { value: unknown }) => r.value)).toContainEqual({
      from: 'nest',
    });
  });

  it('the weir CLI takes --token (and WEIR_TOKEN), and says UNAUTHENTICATED without', async () => {
    const listed = await runWeir(broker.url, ['topics', 'list', '--token', TOKENS.reader]);
    expect(listed).toMatchObject({ status: 0 });
    expect(listed.stdout).toContain('orders');
    const fromEnv = await runWeir(broker.url, ['topics', 'list'], {
      env: { WEIR_TOKEN: TOKENS.reader },
    });
    expect(fromEnv.status).toBe(0);
    const refused = await runWeir(broker.url, ['topics', 'list']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('UNAUTHENTICATED');
  });
});
