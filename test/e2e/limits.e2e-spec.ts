import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { rawRequest } from '../support/raw-http';
import { WsTestClient } from '../support/ws-client';

describe('limits on subscriptions and group members', () => {
  const fixture = useBroker({
    WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
    WEIR_MAX_GROUP_MEMBERS: '2',
  });

  it('refuses a subscription over WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET; the socket stays usable', async () => {
    const client = await WsTestClient.connect(fixture.broker.wsUrl);
    const subscribe = (group: string) =>
      client.request({ type: 'subscribe', mode: 'share', group, topics: ['t'], credit: 0 });
    const first = await subscribe('g1');
    expect((await subscribe('g2')).type).toBe('subscribed');
    const third = await subscribe('g3');
    expect(third).toMatchObject({
      type: 'error',
      error: { code: 'TOO_MANY_SUBSCRIPTIONS', details: { maxSubscriptions: 2 } },
    });
    await client.request({ type: 'unsubscribe', subscriptionId: first.subscriptionId });
    expect((await subscribe('g3')).type).toBe('subscribed');
    await client.close();
  });

  it('refuses a new member over WEIR_MAX_GROUP_MEMBERS, and lets a member join again', async () => {
    const join = (memberId?: string) =>
      request(fixture.broker.url)
        .post('/streams/groups/full/members')
        .send({ topics: ['t'], ...(memberId ? { memberId } : {}) });
    const first = await join().expect(201);
    await join().expect(201);
    const refused = await join().expect(429);
    expect(refused.body.error).toMatchObject({
      code: 'TOO_MANY_MEMBERS',
      details: { maxMembers: 2 },
    });
    await join(first.body.memberId).expect(201);
  });
});

describe('limits on connections', () => {
  const fixture = useBroker({ WEIR_MAX_CONNECTIONS: '3', WEIR_MAX_CONNECTIONS_PER_ADDRESS: '3' });

  it('answers 503 TOO_MANY_CONNECTIONS over the limit, and serves again once one closes', async () => {
    const sockets = await Promise.all(
      [1, 2, 3].map(() => WsTestClient.connect(fixture.broker.wsUrl)),
    );
    const refused = await rawRequest(fixture.broker.url, 'GET', '/health/live');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error.code).toBe('TOO_MANY_CONNECTIONS');
    await sockets[0]!.close();
    await eventually(
      async () => (await rawRequest(fixture.broker.url, 'GET', '/health/live')).status === 200,
      5000,
      'a free connection slot',
    );
    await Promise.all(sockets.slice(1).map((s) => s.close()));
  });
});
