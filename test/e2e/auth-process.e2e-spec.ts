import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { bearer, TOKENS, writeAuthFile } from '../support/auth-file';
import { ChildBroker, startChildBroker } from '../support/child-broker';
import { eventually } from '../support/eventually';
import { makeTempDir } from '../support/temp-dir';
import { WsTestClient } from '../support/ws-client';

/** The error a child broker that exits before listening rejects with. */
async function startFailure(dataDir: string, env: Record<string, string>): Promise<string> {
  try {
    const child = await startChildBroker(dataDir, env);
    child.process.kill('SIGKILL');
    await child.exited;
  } catch (error) {
    return (error as Error).message;
  }
  return 'started';
}

describe('the broker process and its safe defaults', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let child: ChildBroker | undefined;

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(async () => {
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    dir.remove();
  });

  it('listens on 127.0.0.1 when no address is set', async () => {
    child = await startChildBroker(dir.path, { WEIR_HTTP_HOST: '' });
    expect(child.output()).toMatch(/listening on 127\.0\.0\.1:\d+/);
    await request(child.url).get('/health/live').expect(200);
  });

  it('refuses to start on 0.0.0.0 without auth or the explicit setting (exit 78)', async () => {
    const failure = await startFailure(dir.path, { WEIR_HTTP_HOST: '0.0.0.0' });
    expect(failure).toContain('exited with 78');
    expect(failure).toContain('refusing to listen on 0.0.0.0 without authentication');
    expect(failure).toContain('WEIR_ALLOW_UNAUTHENTICATED=true');
  });

  it('refuses to start with a broken tokens file (exit 78), saying why', async () => {
    const path = `${dir.path}/tokens.json`;
    writeFileSync(path, '{"tokens": [{"name": "x"}]}');
    const failure = await startFailure(dir.path, { WEIR_AUTH_FILE: path });
    expect(failure).toContain('exited with 78');
    expect(failure).toContain('WEIR_AUTH_FILE');
  });

  it('re-reads the tokens file on SIGHUP; a broken file keeps the tokens in force', async () => {
    const path = writeAuthFile(dir.path);
    child = await startChildBroker(dir.path, { WEIR_AUTH_FILE: path });
    const started = child;
    const topicsWith = (name: 'reader' | 'producer') =>
      request(started.url).get('/topics').set(bearer(name));
    expect((await topicsWith('reader')).status).toBe(200);
    const socket = await WsTestClient.connect(`${started.url.replace('http', 'ws')}/ws`, {
      headers: bearer('reader'),
    });
    const closeCode = new Promise<number>((resolve) => socket.socket.once('close', resolve));

    writeAuthFile(dir.path, ['reader']);
    started.process.kill('SIGHUP');
    await eventually(
      async () => (await topicsWith('reader')).status === 401,
      5000,
      'reader refused',
    );
    expect(await closeCode).toBe(4401);
    expect((await topicsWith('producer')).status).toBe(200);

    writeFileSync(path, '{ not json');
    started.process.kill('SIGHUP');
    await eventually(() => started.output().includes('kept the previous tokens'), 5000, 'kept');
    expect((await topicsWith('producer')).status).toBe(200);
    expect((await topicsWith('reader')).status).toBe(401);
  });

  it('writes an audit line for refused requests and manage actions, never a secret', async () => {
    child = await startChildBroker(dir.path, { WEIR_AUTH_FILE: writeAuthFile(dir.path) });
    await request(child.url)
      .post('/topics')
      .set(bearer('ops'))
      .send({ name: 'orders' })
      .expect(201);
    await request(child.url)
      .post('/topics/secret/records')
      .set(bearer('producer'))
      .send({ records: [{ value: 1 }] })
      .expect(403);
    await request(child.url).delete('/topics/orders').expect(401);
    const started = child;
    const expected = [
      'ops manage topic:orders (POST /topics)',
      'producer may not produce topic:secret',
      'refused DELETE /topics/orders: no token',
    ];
    await eventually(
      () => expected.every((line) => started.output().includes(line)),
      5000,
      'the audit lines',
    );
    const output = started.output();
    for (const secret of Object.values(TOKENS)) expect(output).not.toContain(secret);
  });
});
