import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Admin } from '../../packages/client/src/admin';
import { Producer } from '../../packages/client/src/producer';
import { ShareConsumer } from '../../packages/client/src/share-consumer';
import { SystemClock } from '../../src/common/clock';
import { makeSelfSigned, SelfSigned } from '../support/self-signed';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

/** One GET over HTTPS trusting `ca`: status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('TLS: HTTPS and WSS on the same port', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let tls: SelfSigned;
  let broker: TestBroker<SystemClock>;
  let port: number;

  beforeAll(async () => {
    dir = makeTempDir();
    tls = makeSelfSigned(dir.path);
    broker = await startTestBroker(
      dir.path,
      { WEIR_TLS_CERT_FILE: tls.certFile, WEIR_TLS_KEY_FILE: tls.keyFile },
      new SystemClock(),
    );
    port = (broker.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  it('answers HTTPS with the certificate', async () => {
    const answer = await httpsGet(`https://127.0.0.1:${port}/health/live`, tls.cert);
    expect(answer.status).toBe(200);
  });

  it('serves WSS on the same port', async () => {
    const client = await WsTestClient.connect(`wss://127.0.0.1:${port}/ws`, { ca: tls.cert });
    const answer = await client.request({ type: 'produce', topic: 't', records: [{ value: 1 }] });
    expect(answer.type).toBe('produced');
    await client.close();
  });

  it('refuses plain HTTP on that port (no HTTP answer)', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpGet(`http://127.0.0.1:${port}/health/live`, (response) =>
        resolve(`answered ${response.statusCode}`),
      );
      req.once('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    });
    expect(outcome).toMatch(/^error /);
  });

  it('is reached by the client packages given the CA, over HTTPS and WSS', async () => {
    const url = `https://127.0.0.1:${port}`;
    await expect(new Admin(url).listTopics()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    const admin = new Admin(url, { ca: tls.cert });
    await admin.createTopic('tls-orders', { ifNotExists: true });
    const producer = new Producer({ url, ca: tls.cert });
    const [sent] = await producer.send('tls-orders', [{ value: { n: 1 } }]);
    await expect(sent).resolves.toMatchObject({ topic: 'tls-orders', offset: 0 });
    await producer.close();

    const seen: unknown[] = [];
    let gotOne!: () => void;
    const got = new Promise<void>((resolve) => (gotOne = resolve));
    const worker = new ShareConsumer({ url, ca: tls.cert });
    await worker.run({
      group: 'tls-group',
      topics: ['tls-orders'],
      concurrency: 1,
      handler: (record) => {
        seen.push(record.value);
        gotOne();
        return Promise.resolve();
      },
    });
    await got;
    await worker.stop();
    expect(seen).toEqual([{ n: 1 }]);
  });
});
