import request from 'supertest';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

describe('WebSocket /ws', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let client: WsTestClient;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    client = await WsTestClient.connect(broker.wsUrl);
  });

  afterEach(async () => {
    await client.close();
    await broker.close();
    dir.remove();
  });

  it('answers a produce frame with the offsets once durable, readable over HTTP', async () => {
    const answer = await client.request({
      type: 'produce',
      topic: 'wsp',
      records: [{ key: 'a', value: { n: 1 } }, { valueBase64: 'AAE=' }],
    });
    expect(answer).toMatchObject({
      type: 'produced',
      offsets: [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
      ],
    });
    const page = await request(broker.url)
      .get('/topics/wsp/partitions/0/records?offset=0')
      .expect(200);
    expect(page.body.records[0]).toMatchObject({ key: 'a', value: { n: 1 } });
    expect(page.body.records[1].valueBase64).toBe('AAE=');
  });

  it('answers bad frames with error frames and keeps the socket open', async () => {
    client.sendRaw('this is not json');
    const notJson = await client.waitFor((f) => f.type === 'error');
    expect((notJson.error as { code: string }).code).toBe('INVALID_REQUEST');

    const unknown = await client.request({ type: 'teleport' });
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });

    const badRecords = await client.request({ type: 'produce', topic: 'wsp', records: 'nope' });
    expect(badRecords).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });

    const badName = await client.request({
      type: 'produce',
      topic: 'bad name',
      records: [{ value: 1 }],
    });
    expect(badName).toMatchObject({ type: 'error', error: { code: 'INVALID_TOPIC_NAME' } });

    const ok = await client.request({ type: 'produce', topic: 'wsp', records: [{ value: 1 }] });
    expect(ok.type).toBe('produced');
  });

  it('pipelines many produce frames on one socket and answers each', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_x, i) =>
        client.request({ type: 'produce', topic: 'pipe', records: [{ value: i }] }),
      ),
    );
    const offsets = answers.map((a) => (a.offsets as Array<{ offset: number }>)[0]!.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_x, i) => i));
  });
});
