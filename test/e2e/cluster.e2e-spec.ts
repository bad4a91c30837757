import { hostname } from 'node:os';
import request from 'supertest';
import { useBroker } from '../support/broker-fixture';

describe('GET /cluster on SQLite', () => {
  const fixture = useBroker({
    WEIR_NODE_ID: 'node-a',
    WEIR_ADVERTISED_URL: 'http://127.0.0.1:9999',
  });

  it('shows one live node that owns every partition of every topic at epoch 0', async () => {
    const { url, clock } = fixture.broker;
    await request(url).post('/topics').send({ name: 'orders', partitions: 3 }).expect(201);
    await request(url).post('/topics').send({ name: 'audits' }).expect(201);

    const view = (await request(url).get('/cluster').expect(200)).body;
    expect(view).toEqual({
      nodeId: 'node-a',
      storage: 'sqlite',
      nodes: [
        { nodeId: 'node-a', url: 'http://127.0.0.1:9999', alive: true, lastSeenMs: clock.now() },
      ],
      partitions: [
        { topic: 'audits', partition: 0, owner: 'node-a', epoch: 0 },
        { topic: 'orders', partition: 0, owner: 'node-a', epoch: 0 },
        { topic: 'orders', partition: 1, owner: 'node-a', epoch: 0 },
        { topic: 'orders', partition: 2, owner: 'node-a', epoch: 0 },
      ],
    });
  });
});

describe('GET /cluster on SQLite with the defaults on a port picked at start', () => {
  const fixture = useBroker({});

  it('names the node after the real port and advertises the URL it listens on', async () => {
    const { url } = fixture.broker;
    const port = new URL(url).port;
    const view = (await request(url).get('/cluster').expect(200)).body;
    expect(view.nodeId).toBe(`${hostname()}-${port}`);
    expect(view.nodes).toEqual([
      expect.objectContaining({ nodeId: `${hostname()}-${port}`, url: `http://127.0.0.1:${port}` }),
    ]);
  });
});
