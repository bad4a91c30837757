import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import type { TestBroker } from '../support/test-app';

describe('topics API', () => {
  const fixture = useBroker();
  let broker: TestBroker;

  beforeEach(() => {
    broker = fixture.broker;
  });

  it('creates, lists, describes, grows and deletes a topic', async () => {
    const created = await request(broker.url)
      .post('/topics')
      .send({ name: 'orders', partitions: 3, config: { retentionMs: 60000 } })
      .expect(201);
    expect(created.body.name).toBe('orders');
    expect(created.body.config).toEqual({
      retentionMs: 60000,
      retentionBytes: -1,
      maxMessageBytes: 1024 * 1024,
    });
    expect(created.body.partitions).toHaveLength(3);
    expect(created.body.partitions[2]).toMatchObject({
      partition: 2,
      logStartOffset: 0,
      logEndOffset: 0,
    });

    const list = await request(broker.url).get('/topics').expect(200);
    expect(list.body.topics.map((t: { name: string }) => t.name)).toEqual(['orders']);

    const grown = await request(broker.url)
      .patch('/topics/orders')
      .send({ partitions: 5 })
      .expect(200);
    expect(grown.body.partitions).toHaveLength(5);

    await request(broker.url).get('/topics/orders').expect(200);
    await request(broker.url).delete('/topics/orders').expect(204);
    const gone = await request(broker.url).get('/topics/orders').expect(404);
    expect(gone.body.error.code).toBe('TOPIC_NOT_FOUND');
  });

  it('refuses a second topic of the same name with 409', async () => {
    await request(broker.url).post('/topics').send({ name: 'dup' }).expect(201);
    const again = await request(broker.url).post('/topics').send({ name: 'dup' }).expect(409);
    expect(again.body.error.code).toBe('TOPIC_ALREADY_EXISTS');
  });

  it('refuses to shrink a topic with 422', async () => {
    await request(broker.url).post('/topics').send({ name: 't', partitions: 4 }).expect(201);
    const res = await request(broker.url).patch('/topics/t').send({ partitions: 2 }).expect(422);
    expect(res.body.error.code).toBe('INVALID_PARTITION_COUNT');
  });
});
