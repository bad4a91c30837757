import { makeTempDir } from '../../test/support/temp-dir';
import { Database } from './database';
import { DeadLetterStore } from './dead-letter.store';
import { ShareGroupStore } from './share-group.store';
import { TopicStore } from './topic.store';

const config = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1000 };

const shareRecord = (offset: number) => ({
  offset,
  state: 1,
  deliveryCount: 1,
  memberId: 'm1',
  token: `t${offset}`,
  acquiredAtMs: 0,
  lockExpiresAtMs: 30_000,
  availableAtMs: null,
});

describe.each([
  ['in memory', false],
  ['on a file', true],
])('topic store (%s)', (_label, onFile) => {
  let dir: ReturnType<typeof makeTempDir>;
  let db: Database;
  const file = () => (onFile ? `${dir.path}/weir.db` : ':memory:');

  beforeEach(() => {
    dir = makeTempDir();
    db = new Database({ file: file(), sync: 'normal' });
  });

  afterEach(() => {
    db.close();
    dir.remove();
  });

  const count = (table: string, topicId: number): number =>
    (
      db.connection
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE topic_id = ?`)
        .get(topicId) as {
        n: number;
      }
    ).n;

  it("deletes a topic's share-group state and dead-letter index with it, and nothing of other topics", () => {
    const topics = new TopicStore(db);
    const shares = new ShareGroupStore(db);
    const deadLetters = new DeadLetterStore(db);
    const gone = topics.insert('gone', 2, config, 0);
    const kept = topics.insert('kept', 1, config, 0);
    const group = shares.insertGroup('g', '{}', 0);
    for (const [topicId, partition] of [
      [gone.id, 0],
      [gone.id, 1],
      [kept.id, 0],
    ] as const) {
      shares.write(group.id, topicId, partition, {
        startOffset: 0,
        endOffset: 2,
        upserts: [shareRecord(0), shareRecord(1)],
        startMoved: false,
        resetAll: false,
      });
      deadLetters.insert({
        topicId,
        partition,
        offset: 0,
        reason: 'CLIENT_REJECT',
        deadLetteredAtMs: 0,
        sourceTopic: 'elsewhere',
        sourcePartition: 0,
        sourceOffset: 7,
      });
    }

    topics.delete(gone.id);

    for (const table of ['share_partitions', 'share_records', 'dead_letters']) {
      expect([table, count(table, gone.id)]).toEqual([table, 0]);
      expect([table, count(table, kept.id)]).toEqual([table, table === 'share_records' ? 2 : 1]);
    }
    if (onFile) {
      db.close();
      db = new Database({ file: file(), sync: 'normal' });
      expect(count('share_records', gone.id)).toBe(0);
      expect(new ShareGroupStore(db).partitions(group.id).map((p) => p.topicId)).toEqual([kept.id]);
    }
  });
});
