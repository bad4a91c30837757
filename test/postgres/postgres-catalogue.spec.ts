import { Client } from 'pg';
import { NameTakenError } from '../../src/persistence/port/catalogue-storage';
import { MissingPartitionError } from '../../src/persistence/port/log-storage';
import { POSTGRES_SCHEMA_VERSION } from '../../src/persistence/postgres/postgres-schema';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';

async function queryOnce<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgresStorage: schema, catalogue and committed offsets', () => {
  const databases = new PostgresDatabases();
  let storage: PostgresStorage;
  let url: string;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    url = await databases.fresh();
    storage = await databases.open(url);
  });

  it('migrates an empty database once when three nodes open it at the same moment', async () => {
    const empty = await databases.fresh();
    const nodes = await Promise.all([1, 2, 3].map(() => databases.open(empty)));
    expect(nodes.map((node) => node.kind)).toEqual(['postgres', 'postgres', 'postgres']);
    expect(await queryOnce(empty, 'SELECT version FROM weir_schema')).toEqual([
      { version: POSTGRES_SCHEMA_VERSION },
    ]);
    await nodes[0]!.catalogue.createTopic('t', 1, TOPIC_CONFIG, 1);
    expect((await nodes[2]!.catalogue.listTopics()).map((t) => t.name)).toEqual(['t']);
  });

  it('refuses a database that a newer Weir migrated', async () => {
    await queryOnce(url, `UPDATE weir_schema SET version = ${POSTGRES_SCHEMA_VERSION + 1}`);
    await expect(databases.open(url)).rejects.toThrow(/newer than this Weir/);
  });

  it('creates, lists, grows and reconfigures topics; a taken name throws NameTakenError', async () => {
    const orders = await storage.catalogue.createTopic('orders', 2, TOPIC_CONFIG, 42);
    expect(orders).toEqual({
      id: orders.id,
      name: 'orders',
      partitions: 2,
      config: TOPIC_CONFIG,
      createdAtMs: 42,
    });
    await expect(
      storage.catalogue.createTopic('orders', 1, TOPIC_CONFIG, 43),
    ).rejects.toBeInstanceOf(NameTakenError);
    const changed = { retentionMs: 1000, retentionBytes: 2000, maxMessageBytes: 3000 };
    await storage.catalogue.alterTopic(orders.id, 4, changed);
    await storage.catalogue.alterTopic(orders.id, 1, changed);
    expect(await storage.catalogue.listTopics()).toEqual([
      { ...orders, partitions: 4, config: changed },
    ]);
    const bounds = await storage.log.bounds();
    expect(bounds.map((b) => [b.partition, b.logEndOffset])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  it('gives one of two nodes creating the same topic at once the topic, the other NameTakenError', async () => {
    const other = await databases.open(url);
    const results = await Promise.allSettled([
      storage.catalogue.createTopic('race', 1, TOPIC_CONFIG, 1),
      other.catalogue.createTopic('race', 1, TOPIC_CONFIG, 2),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(NameTakenError);
  });

  it('deletes a topic with its records, share state, dead-letter rows and committed offsets; its id never returns', async () => {
    const doomed = await storage.catalogue.createTopic('doomed', 1, TOPIC_CONFIG, 1);
    const dlq = await storage.catalogue.createTopic('doomed-dlq', 1, TOPIC_CONFIG, 1);
    await storage.log.append([{ topicId: doomed.id, partition: 0, records: [jsonRecord(1)] }]);
    const group = await storage.catalogue.createShareGroup('workers', '{}', 1, [
      {
        topicId: doomed.id,
        partition: 0,
        startOffset: 0,
        endOffset: 1,
        resetAll: false,
        batches: [],
      },
    ]);
    await storage.shares.write(
      [],
      [
        {
          source: { topicId: doomed.id, partition: 0, offset: 0, topicName: 'doomed' },
          target: { topicId: dlq.id, partition: 0 },
          lineage: [],
          reason: 'CLIENT_REJECT',
          deadLetteredAtMs: 5,
        },
      ],
    );
    await storage.offsets.commit('readers', [{ topicId: doomed.id, partition: 0, offset: 1 }], 9);

    await storage.catalogue.deleteTopic(doomed.id);
    await storage.catalogue.deleteTopic(dlq.id);
    expect(await storage.catalogue.listTopics()).toEqual([]);
    expect(await storage.log.bounds()).toEqual([]);
    expect(await storage.shares.load(group.id)).toEqual([]);
    expect(await storage.deadLetters.summaries()).toEqual([]);
    expect(await storage.offsets.list()).toEqual([]);
    expect(await queryOnce(url, 'SELECT count(*)::int AS n FROM records')).toEqual([{ n: 0 }]);
    const again = await storage.catalogue.createTopic('doomed', 1, TOPIC_CONFIG, 2);
    expect(again.id).toBeGreaterThan(dlq.id);
    expect((await storage.log.readPage(again.id, 0, 0, 10, 1e9)).count).toBe(0);
  });

  it('makes an append racing a topic deletion either land before it or fail with MissingPartitionError', async () => {
    const topic = await storage.catalogue.createTopic('racing', 1, TOPIC_CONFIG, 1);
    const other = await databases.open(url);
    const appends = Array.from({ length: 20 }, () =>
      other.log.append([{ topicId: topic.id, partition: 0, records: [jsonRecord(1)] }]),
    );
    const deletion = storage.catalogue.deleteTopic(topic.id);
    const results = await Promise.allSettled(appends);
    await deletion;
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(MissingPartitionError);
    }
    expect(await queryOnce(url, 'SELECT count(*)::int AS n FROM records')).toEqual([{ n: 0 }]);
  });

  it('creates, alters and deletes share groups with their share partitions', async () => {
    const topic = await storage.catalogue.createTopic('jobs', 2, TOPIC_CONFIG, 1);
    const first = {
      topicId: topic.id,
      partition: 0,
      startOffset: 0,
      endOffset: 0,
      resetAll: false,
      batches: [],
    };
    const group = await storage.catalogue.createShareGroup('workers', '{"a":1}', 7, [first]);
    await expect(storage.catalogue.createShareGroup('workers', '{}', 8, [])).rejects.toBeInstanceOf(
      NameTakenError,
    );
    await storage.catalogue.alterShareGroup(group.id, '{"a":2}', [
      { ...first, partition: 1, startOffset: 3, endOffset: 3 },
    ]);
    expect(await storage.catalogue.listShareGroups()).toEqual([
      { id: group.id, name: 'workers', config: '{"a":2}', createdAtMs: 7 },
    ]);
    expect((await storage.shares.load(group.id)).map((p) => [p.partition, p.startOffset])).toEqual([
      [0, 0],
      [1, 3],
    ]);
    await expect(
      storage.catalogue.createShareGroup('other', '{}', 1, [{ ...first, partition: 5 }]),
    ).rejects.toBeInstanceOf(MissingPartitionError);
    expect((await storage.catalogue.listShareGroups()).map((g) => g.name)).toEqual(['workers']);
    await storage.catalogue.deleteShareGroup(group.id);
    expect(await storage.catalogue.listShareGroups()).toEqual([]);
    expect(await storage.shares.load(group.id)).toEqual([]);
  });

  it('commits, moves back, lists and forgets committed offsets; a missing partition commits nothing', async () => {
    const topic = await storage.catalogue.createTopic('stream', 2, TOPIC_CONFIG, 1);
    await storage.offsets.commit('g1', [{ topicId: topic.id, partition: 0, offset: 10 }], 100);
    await storage.offsets.commit(
      'g1',
      [
        { topicId: topic.id, partition: 0, offset: 4 },
        { topicId: topic.id, partition: 1, offset: 2 },
      ],
      200,
    );
    await storage.offsets.commit('g2', [{ topicId: topic.id, partition: 1, offset: 1 }], 300);
    await expect(
      storage.offsets.commit(
        'g2',
        [
          { topicId: topic.id, partition: 0, offset: 5 },
          { topicId: topic.id, partition: 9, offset: 5 },
        ],
        400,
      ),
    ).rejects.toMatchObject({ name: 'MissingPartitionError', partition: 9 });
    expect(await storage.offsets.list()).toEqual([
      { group: 'g1', topicId: topic.id, partition: 0, committedOffset: 4, committedAtMs: 200 },
      { group: 'g1', topicId: topic.id, partition: 1, committedOffset: 2, committedAtMs: 200 },
      { group: 'g2', topicId: topic.id, partition: 1, committedOffset: 1, committedAtMs: 300 },
    ]);
    await storage.offsets.deleteGroup('g1');
    expect((await storage.offsets.list()).map((o) => o.group)).toEqual(['g2']);
    await storage.close();
    const reopened = await databases.open(url);
    expect(await reopened.offsets.list()).toHaveLength(1);
    expect((await reopened.catalogue.listTopics()).map((t) => t.name)).toEqual(['stream']);
  });
});
