import request from 'supertest';
import { Storage } from '../../src/persistence/port/storage';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import { startTestBroker, TestBroker } from '../support/test-app';

const CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1024 };

/**
 * The topic catalogue lives in storage, which several nodes may share: a node creates a name
 * once however many requests race for it, and uses a topic that storage has but it never saw.
 */
describe('topics: the catalogue in storage', () => {
  const fixture = useBroker();
  let broker: TestBroker;
  let storage: Storage;

  beforeEach(() => {
    broker = fixture.broker;
    storage = broker.app.get(Storage);
  });

  afterEach(() => jest.restoreAllMocks());

  it('creates an auto-created topic once when many requests name it at once', async () => {
    const create = jest.spyOn(storage.catalogue, 'createTopic');
    const q = new QueueClient(broker.url);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_x, i) => q.produce('fresh', [{ value: i }])),
    );
    expect(create).toHaveBeenCalledTimes(1);
    expect(
      answers
        .flat()
        .map((a) => a.offset)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await storage.catalogue.listTopics()).map((t) => t.name)).toEqual(['fresh']);
  });

  it('uses a topic that another node created in the shared storage instead of creating one', async () => {
    await storage.catalogue.createTopic('elsewhere', 3, CONFIG, 1);
    const create = jest.spyOn(storage.catalogue, 'createTopic');
    const q = new QueueClient(broker.url);
    expect(await q.produce('elsewhere', [{ value: 'x', partition: 2 }])).toEqual([
      { partition: 2, offset: 0 },
    ]);
    expect(create).not.toHaveBeenCalled();
    const described = await request(broker.url).get('/topics/elsewhere').expect(200);
    expect(described.body.config).toEqual(CONFIG);
  });

  it('answers TOPIC_ALREADY_EXISTS for a name storage already has, and knows the topic then', async () => {
    await storage.catalogue.createTopic('taken', 2, CONFIG, 1);
    const refused = await request(broker.url)
      .post('/topics')
      .send({ name: 'taken', partitions: 1 })
      .expect(409);
    expect(refused.body.error.code).toBe('TOPIC_ALREADY_EXISTS');
    const described = await request(broker.url).get('/topics/taken').expect(200);
    expect(described.body.partitions).toHaveLength(2);
  });

  it('answers TOPIC_NOT_FOUND for a name storage does not have, without creating it', async () => {
    await broker.close();
    const strict = await startTestBroker(fixture.dataDir, { WEIR_AUTO_CREATE_TOPICS: 'false' });
    try {
      const create = jest.spyOn(strict.app.get(Storage).catalogue, 'createTopic');
      const res = await request(strict.url)
        .post('/topics/nowhere/records')
        .send({ records: [{ value: 1 }] })
        .expect(404);
      expect(res.body.error.code).toBe('TOPIC_NOT_FOUND');
      expect(create).not.toHaveBeenCalled();
    } finally {
      await strict.close();
    }
  });
});
