import { FakeClock } from '../support/fake-clock';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker } from '../support/test-app';

describe('receipts of a deleted share group after a restart', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  it('answers LOCK_LOST for the newest group, deleted before the restart', async () => {
    const first = await startTestBroker(dir.path, {}, new FakeClock());
    let receipt: string;
    try {
      const q = new QueueClient(first.url);
      await q.produce('jobs', [{ value: 1 }]);
      await q.receive('older', { topics: ['jobs'] });
      const got = await q.receive('newest', { topics: ['jobs'] });
      receipt = got.records[0].receipt;
      const deleted = await fetch(`${first.url}/queues/groups/newest`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
    } finally {
      await first.close();
    }

    const second = await startTestBroker(dir.path, {}, new FakeClock());
    try {
      const results = await new QueueClient(second.url).ack('older', [{ receipt, type: 'accept' }]);
      expect(results).toEqual([
        { receipt, ok: false, error: expect.objectContaining({ code: 'LOCK_LOST' }) },
      ]);
    } finally {
      await second.close();
    }
  });
});
