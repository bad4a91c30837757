import { withDefaults } from '../../src/persistence/postgres/postgres-options';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { PrimaryPool } from '../../src/persistence/postgres/primary-pool';
import { TransactionRunner, WorkMode } from '../../src/persistence/postgres/transaction-runner';
import { jsonRecord, TOPIC_CONFIG } from '../support/postgres-databases';
import { PostgresServer } from '../support/postgres-server';

describe('a node frozen inside a transaction', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await PostgresServer.start();
  });
  afterAll(() => server.stop());

  it('loses its session after idleInTransactionTimeoutMs, so another node gets the row lock and its write never commits', async () => {
    const healthy = await PostgresStorage.open({ urls: [server.url()], lockTimeoutMs: 10_000 });
    const options = withDefaults({
      urls: [server.url()],
      idleInTransactionTimeoutMs: 300,
      maxRetries: 0,
    });
    const frozenNode = new TransactionRunner(new PrimaryPool(options), options.maxRetries);
    let wake = () => {};
    const frozenUntil = new Promise<void>((resolve) => (wake = resolve));
    try {
      const topic = await healthy.catalogue.createTopic('orders', 1, TOPIC_CONFIG, 1);
      let locked!: () => void;
      const rowLocked = new Promise<void>((resolve) => (locked = resolve));
      const frozenWrite = frozenNode.run(WorkMode.WRITE, async (client) => {
        await client.query(
          'UPDATE partitions SET log_end_offset = log_end_offset + 1 WHERE topic_id = $1',
          [topic.id],
        );
        locked();
        await frozenUntil;
        await client.query('SELECT 1');
      });
      await rowLocked;

      const appended = await healthy.log.append([
        { topicId: topic.id, partition: 0, records: [jsonRecord('from the healthy node')] },
      ]);
      expect(appended).toEqual([0]);

      wake();
      await expect(frozenWrite).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      const [bounds] = await healthy.log.bounds();
      expect(bounds?.logEndOffset).toBe(1);
    } finally {
      wake();
      await frozenNode.close();
      await healthy.close();
    }
  });
});
