import request from 'supertest';
import { bearer, TOKENS, TokenName, writeAuthFile } from '../support/auth-file';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

type Action = 'produce' | 'read' | 'consume' | 'manage';

/** What each token of the tokens file may do on the allowed resources (orders, billing). */
const ALLOWED: Record<TokenName, readonly Action[]> = {
  ops: ['produce', 'read', 'consume', 'manage'],
  producer: ['produce'],
  reader: ['read'],
  worker: ['read', 'consume'],
  manager: ['manage'],
};

/** Each action over HTTP on a topic (and, for consume, a group reading `orders`). */
const HTTP_ACTIONS: Record<
  Action,
  (url: string, name: TokenName, allowed: boolean) => request.Test
> = {
  produce: (url, name, allowed) =>
    request(url)
      .post(`/topics/${allowed ? 'orders' : 'secret'}/records`)
      .set(bearer(name))
      .send({ records: [{ value: 1 }] }),
  read: (url, name, allowed) =>
    request(url)
      .get(`/topics/${allowed ? 'orders' : 'secret'}/partitions/0/records`)
      .set(bearer(name)),
  consume: (url, name, allowed) =>
    request(url)
      .post(`/queues/groups/${allowed ? 'billing' : 'payroll'}/receive`)
      .set(bearer(name))
      .send({ topics: ['orders'] }),
  manage: (url, name, allowed) =>
    request(url)
      .patch(`/topics/${allowed ? 'orders' : 'secret'}`)
      .set(bearer(name))
      .send({ config: { retentionMs: 3_600_000 } }),
};

const REFUSED_RESOURCE: Record<Action, string> = {
  produce: 'topic:secret',
  read: 'topic:secret',
  consume: 'group:payroll',
  manage: 'topic:secret',
};

const MATRIX = (Object.keys(ALLOWED) as TokenName[]).flatMap((name) =>
  (Object.keys(HTTP_ACTIONS) as Action[]).map((action) => ({ name, action })),
);

describe('access control with a tokens file', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, { WEIR_AUTH_FILE: writeAuthFile(dir.path) });
    for (const name of ['orders', 'secret']) {
      await request(broker.url).post('/topics').set(bearer('ops')).send({ name }).expect(201);
    }
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  describe.each(MATRIX)('token $name, action $action over HTTP', ({ name, action }) => {
    const may = ALLOWED[name].includes(action);

    it(`${may ? 'is allowed' : 'is refused with 403'} on the resources it names`, async () => {
      const answer = await HTTP_ACTIONS[action](broker.url, name, true);
      if (may) {
        expect(answer.status).toBeLessThan(300);
      } else {
        expect(answer.status).toBe(403);
        expect(answer.body.error).toMatchObject({
          code: 'FORBIDDEN',
          details: { action, resource: action === 'consume' ? 'group:billing' : 'topic:orders' },
        });
      }
    });

    it(`${name === 'ops' ? 'is allowed' : 'is refused with 403'} on other resources`, async () => {
      const answer = await HTTP_ACTIONS[action](broker.url, name, false);
      if (name === 'ops') {
        expect(answer.status).toBeLessThan(300);
      } else {
        expect(answer.status).toBe(403);
        const resource = may ? REFUSED_RESOURCE[action] : expect.any(String);
        expect(answer.body.error).toMatchObject({
          code: 'FORBIDDEN',
          details: { action, resource },
        });
      }
    });
  });

  it('needs read on the topics a consumer names, besides consume on the group', async () => {
    const answer = await request(broker.url)
      .post('/queues/groups/billing/receive')
      .set(bearer('worker'))
      .send({ topics: ['secret'] })
      .expect(403);
    expect(answer.body.error.details).toEqual({ action: 'read', resource: 'topic:secret' });
    await request(broker.url)
      .post('/streams/groups/billing/members')
      .set(bearer('worker'))
      .send({ topics: ['secret'] })
      .expect(403);
    await request(broker.url)
      .post('/streams/groups/billing/members')
      .set(bearer('worker'))
      .send({ topics: ['orders'] })
      .expect(201);
  });

  it("needs read on a share group's own topics when a consumer names none", async () => {
    await request(broker.url)
      .put('/queues/groups/billing')
      .set(bearer('ops'))
      .send({ topics: ['orders', 'secret'] })
      .expect(200);
    const http = await request(broker.url)
      .post('/queues/groups/billing/receive')
      .set(bearer('worker'))
      .send({})
      .expect(403);
    expect(http.body.error.details).toEqual({ action: 'read', resource: 'topic:secret' });
    const client = await WsTestClient.connect(broker.wsUrl, { headers: bearer('worker') });
    const ws = await client.request({
      type: 'subscribe',
      mode: 'share',
      group: 'billing',
      credit: 1,
    });
    expect(ws).toMatchObject({
      type: 'error',
      error: { code: 'FORBIDDEN', details: { action: 'read', resource: 'topic:secret' } },
    });
    await client.close();
    await request(broker.url)
      .put('/queues/groups/billing')
      .set(bearer('ops'))
      .send({ topics: ['orders'] })
      .expect(200);
    await request(broker.url)
      .post('/queues/groups/billing/receive')
      .set(bearer('worker'))
      .send({})
      .expect(200);
  });

  it('needs produce on the target topic a redrive names, besides manage on the dead-letter topic', async () => {
    await request(broker.url)
      .put('/queues/groups/redrive-check')
      .set(bearer('ops'))
      .send({ topics: ['orders'], deadLetterTopic: 'orders.dlq' })
      .expect(200);
    await request(broker.url)
      .post('/topics/orders/records')
      .set(bearer('ops'))
      .send({ records: [{ key: 'poison', value: 1 }] })
      .expect(200);
    const received = await request(broker.url)
      .post('/queues/groups/redrive-check/receive')
      .set(bearer('ops'))
      .send({ maxRecords: 100 })
      .expect(200);
    const acks = (received.body.records as Array<{ receipt: string }>).map((r) => ({
      receipt: r.receipt,
      type: 'reject',
    }));
    expect(acks.length).toBeGreaterThan(0);
    await request(broker.url)
      .post('/queues/groups/redrive-check/acks')
      .set(bearer('ops'))
      .send({ acks })
      .expect(200);
    const refused = await request(broker.url)
      .post('/dlq/orders.dlq/redrive')
      .set(bearer('manager'))
      .send({ targetTopic: 'secret' })
      .expect(403);
    expect(refused.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { action: 'produce', resource: 'topic:secret' },
    });
    await request(broker.url)
      .post('/dlq/orders.dlq/redrive')
      .set(bearer('manager'))
      .send({ targetTopic: 'orders.retry' })
      .expect(403);
    await request(broker.url)
      .post('/dlq/orders.dlq/redrive')
      .set(bearer('ops'))
      .send({ targetTopic: 'secret' })
      .expect(200, { redriven: acks.length, skipped: 0 });
    await request(broker.url)
      .post('/dlq/orders.dlq/redrive')
      .set(bearer('manager'))
      .send({})
      .expect(200, { redriven: 0, skipped: acks.length });
  });

  it('matches a prefix pattern and nothing beyond it', async () => {
    await request(broker.url)
      .post('/topics/orders.eu/records')
      .set(bearer('producer'))
      .send({ records: [{ value: 1 }] })
      .expect(200);
    await request(broker.url)
      .post('/topics/ordersx/records')
      .set(bearer('producer'))
      .send({ records: [{ value: 1 }] })
      .expect(403);
    await request(broker.url).get('/topics/ordersx').set(bearer('reader')).expect(404);
  });

  it('answers 401 without a token, with an unknown one, and with a malformed header', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-a-token-of-this-broker' },
      { authorization: `Basic ${TOKENS.ops}` },
    ]) {
      const answer = await request(broker.url).get('/topics').set(headers).expect(401);
      expect(answer.body.error.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(answer.body)).not.toContain(TOKENS.ops);
    }
  });

  it('answers 401 before looking at the body', async () => {
    const answer = await request(broker.url).post('/topics').send({ nonsense: true }).expect(401);
    expect(answer.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('keeps health and the API description open, and lists open to any token', async () => {
    await request(broker.url).get('/health/live').expect(200);
    await request(broker.url).get('/health/ready').expect(200);
    await request(broker.url).get('/openapi.json').expect(200);
    const topics = await request(broker.url).get('/topics').set(bearer('reader')).expect(200);
    expect(topics.body.topics.length).toBeGreaterThan(0);
  });

  it('serves the console page and its files without a token (the API calls they make need one)', async () => {
    const page = await request(broker.url).get('/console').expect(200);
    const script = /src="\/console\/assets\/([^"]+)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    await request(broker.url).get(`/console/assets/${script}`).expect(200);
    await request(broker.url).get('/topics').expect(401);
  });

  it('serves GET /cluster to admin tokens only (a route without a declaration)', async () => {
    await request(broker.url).get('/cluster').set(bearer('ops')).expect(200);
    const refused = await request(broker.url).get('/cluster').set(bearer('manager')).expect(403);
    expect(refused.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { action: 'admin', resource: 'broker' },
    });
    await request(broker.url).get('/cluster').expect(401);
  });

  it('closes /metrics to requests without a token', async () => {
    expect((await request(broker.url).get('/metrics').expect(401)).body.error.code).toBe(
      'UNAUTHENTICATED',
    );
    const metrics = await request(broker.url).get('/metrics').set(bearer('reader')).expect(200);
    expect(metrics.text).toContain('weir_');
  });

  describe('over WebSocket', () => {
    const connect = (name: TokenName) =>
      WsTestClient.connect(broker.wsUrl, { headers: bearer(name) });

    it('refuses an upgrade without a token or with an unknown one (401)', async () => {
      await expect(WsTestClient.connect(broker.wsUrl)).rejects.toThrow(/401/);
      await expect(
        WsTestClient.connect(`${broker.wsUrl}?token=unknown-token-0123456789`),
      ).rejects.toThrow(/401/);
    });

    it('takes the token from ?token= (browsers cannot set headers)', async () => {
      const client = await WsTestClient.connect(`${broker.wsUrl}?token=${TOKENS.producer}`);
      const answer = await client.request({
        type: 'produce',
        topic: 'orders',
        records: [{ value: 1 }],
      });
      expect(answer.type).toBe('produced');
      await client.close();
    });

    it.each(Object.keys(ALLOWED) as TokenName[])(
      'checks every frame of token %s: produce and subscribe (share and stream)',
      async (name) => {
        const client = await connect(name);
        const frames = {
          produce: (allowed: boolean) => ({
            type: 'produce',
            topic: allowed ? 'orders' : 'secret',
            records: [{ value: 1 }],
          }),
          consume: (allowed: boolean) => ({
            type: 'subscribe',
            mode: 'share',
            group: allowed ? 'billing' : 'payroll',
            topics: ['orders'],
            credit: 0,
          }),
        };
        for (const action of ['produce', 'consume'] as const) {
          for (const allowed of [true, false]) {
            const answer = await client.request(frames[action](allowed));
            const may = allowed ? ALLOWED[name].includes(action) : name === 'ops';
            if (may) {
              expect(answer.type).toBe(action === 'produce' ? 'produced' : 'subscribed');
            } else {
              expect(answer).toMatchObject({
                type: 'error',
                error: { code: 'FORBIDDEN', details: { action } },
              });
            }
          }
        }
        const stream = await client.request({
          type: 'subscribe',
          mode: 'stream',
          group: 'billing',
          topics: ['secret'],
          credit: 0,
        });
        expect(stream.type).toBe(name === 'ops' ? 'subscribed' : 'error');
        // the socket stays open after refusals
        expect(
          (await client.request({ type: 'unsubscribe', subscriptionId: 'none' })).error,
        ).toMatchObject({
          code: 'SUBSCRIPTION_NOT_FOUND',
        });
        await client.close();
      },
    );
  });
});

describe('access control with WEIR_METRICS_PUBLIC=true', () => {
  it('serves /metrics without a token, and nothing else', async () => {
    const dir = makeTempDir();
    const broker = await startTestBroker(dir.path, {
      WEIR_AUTH_FILE: writeAuthFile(dir.path),
      WEIR_METRICS_PUBLIC: 'true',
    });
    try {
      await request(broker.url).get('/metrics').expect(200);
      await request(broker.url).get('/topics').expect(401);
    } finally {
      await broker.close();
      dir.remove();
    }
  });
});
