import { Client } from 'pg';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { jsonRecord, TOPIC_CONFIG } from '../support/postgres-databases';
import { PostgresReplication } from '../support/postgres-replication';
import { PostgresServer } from '../support/postgres-server';

describe('PostgresStorage: the primary among several URLs', () => {
  it('writes through the primary whatever the URL order, and follows the promoted standby after the primary is killed', async () => {
    const pair = await PostgresReplication.start();
    const [primaryUrl, standbyUrl] = pair.urls() as [string, string];
    const storage = await PostgresStorage.open({
      urls: [standbyUrl, primaryUrl],
      failoverTimeoutMs: 20_000,
    });
    try {
      expect(storage.currentPrimary).toBe(1);
      const topic = await storage.catalogue.createTopic('orders', 1, TOPIC_CONFIG, 1);
      const before = await storage.log.append([
        { topicId: topic.id, partition: 0, records: [jsonRecord('a'), jsonRecord('b')] },
      ]);
      expect(before).toEqual([0]);

      await pair.killPrimary();
      // The append waits for a primary (bounded by failoverTimeoutMs) while the standby is promoted.
      const after = storage.log.append([
        { topicId: topic.id, partition: 0, records: [jsonRecord('c')] },
      ]);
      await pair.promoteStandby();
      await expect(after).resolves.toEqual([2]);
      expect(storage.currentPrimary).toBe(0);

      const page = await storage.log.readPage(topic.id, 0, 0, 10, 1e9);
      expect(Array.from(page.offsets)).toEqual([0, 1, 2]);
      await storage.checkWritable();
    } finally {
      await storage.close();
      await pair.stop();
    }
  });

  it('rejects with STORAGE_UNAVAILABLE within its failover bound when no primary answers', async () => {
    const server = await PostgresServer.start();
    const storage = await PostgresStorage.open({
      urls: [server.url()],
      failoverTimeoutMs: 1_000,
      failoverAttempts: 5,
      connectTimeoutMs: 500,
    });
    try {
      const topic = await storage.catalogue.createTopic('orders', 1, TOPIC_CONFIG, 1);
      await server.kill();
      const started = Date.now();
      await expect(
        storage.log.append([{ topicId: topic.id, partition: 0, records: [jsonRecord(1)] }]),
      ).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', outcomeUnknown: false });
      await expect(storage.checkWritable()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(20_000);
      await expect(
        PostgresStorage.open({ urls: [server.url()], failoverTimeoutMs: 500, failoverAttempts: 2 }),
      ).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    } finally {
      await storage.close();
      await server.stop();
    }
  });

  it('gives up a row lock wait after lockTimeoutMs instead of queueing behind a frozen holder', async () => {
    const server = await PostgresServer.start();
    const storage = await PostgresStorage.open({ urls: [server.url()], lockTimeoutMs: 200 });
    const holder = new Client({ connectionString: server.url() });
    try {
      const topic = await storage.catalogue.createTopic('orders', 1, TOPIC_CONFIG, 1);
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM partitions WHERE topic_id = $1 FOR UPDATE', [topic.id]);
      await expect(
        storage.log.append([{ topicId: topic.id, partition: 0, records: [jsonRecord(1)] }]),
      ).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await holder.query('ROLLBACK');
      await expect(
        storage.log.append([{ topicId: topic.id, partition: 0, records: [jsonRecord(1)] }]),
      ).resolves.toEqual([0]);
    } finally {
      await holder.end();
      await storage.close();
      await server.stop();
    }
  });
});
