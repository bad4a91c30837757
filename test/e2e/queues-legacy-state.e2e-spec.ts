import BetterSqlite3 from 'better-sqlite3';
import { databaseFile } from '../../src/persistence/persistence.module';
import { LegacyShareRecord, writeLegacyShareRecords } from '../support/legacy-rows';
import { FakeClock } from '../support/fake-clock';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker } from '../support/test-app';

const T0 = 1_763_800_000_000;
const TOKEN = '0123456789abcdef';

/**
 * A database whose share state the pre-port code wrote (one `share_records` row per record)
 * keeps working: the broker loads it as one-offset runs, with its receipts, delivery counts and
 * locks, and writes on from there.
 */
describe('share groups: state written before the storage port', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  it('keeps receipts, delivery counts and locks of rows the old code wrote', async () => {
    const first = await startTestBroker(dir.path, {}, new FakeClock(T0));
    const q1 = new QueueClient(first.url);
    await q1.produce('jobs', [{ value: 'held' }, { value: 'done' }, { value: 'released' }]);
    await q1.putGroup('g', { topics: ['jobs'] });
    await first.close();

    // what the pre-port code kept for: 0 held by m (2nd delivery), 1 accepted, 2 released
    const db = new BetterSqlite3(databaseFile(dir.path));
    const group = db.prepare('SELECT id FROM share_groups').get() as { id: number };
    const { topicId } = db
      .prepare('SELECT topic_id AS topicId FROM share_partitions WHERE group_id = ?')
      .get(group.id) as { topicId: number };
    const row = (offset: number, state: number, deliveryCount: number): LegacyShareRecord => ({
      offset,
      state,
      deliveryCount,
      memberId: state === 1 ? 'm' : null,
      token: state === 1 ? TOKEN : null,
      acquiredAtMs: state === 1 ? T0 : null,
      lockExpiresAtMs: state === 1 ? T0 + 30_000 : null,
      availableAtMs: null,
    });
    writeLegacyShareRecords(
      db,
      { groupId: group.id, topicId, partition: 0 },
      { startOffset: 0, endOffset: 3 },
      [row(0, 1, 2), row(1, 2, 1), row(2, 0, 1)],
    );
    db.close();

    const second = await startTestBroker(dir.path, {}, new FakeClock(T0 + 1000));
    try {
      const q = new QueueClient(second.url);
      expect((await q.describe('g')).partitions[0]).toMatchObject({
        startOffset: 0,
        endOffset: 3,
        acquired: 1,
        acknowledged: 1,
        available: 1,
      });
      const receipt = `${group.id}.${topicId}.0.0.${TOKEN}`;
      const [renewed] = await q.ack('g', [{ receipt, type: 'renew', lockDurationMs: 5000 }]);
      expect(renewed).toEqual({ receipt, ok: true, lockExpiresAtMs: T0 + 1000 + 5000 });
      const [accepted] = await q.ack('g', [{ receipt, type: 'accept' }]);
      expect(accepted).toMatchObject({ ok: true });
      const got = (await q.receive('g')).records;
      expect(got.map((r) => [r.offset, r.value, r.deliveryCount])).toEqual([[2, 'released', 2]]);
      expect((await q.describe('g')).partitions[0]).toMatchObject({
        startOffset: 2,
        acquired: 1,
        lag: 1,
      });
    } finally {
      await second.close();
    }
  });
});
