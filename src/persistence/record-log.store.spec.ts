import { EncodedRecord, PayloadFormat } from '../common/log-record';
import { makeTempDir } from '../../test/support/temp-dir';
import { Database } from './database';
import { MIGRATIONS } from './migrations';
import { GroupCommit } from './group-commit';
import { MissingPartitionError, RecordLogStore } from './record-log.store';
import { TopicStore } from './topic.store';

const record = (text: string, timestampMs = 1): EncodedRecord => ({
  timestampMs,
  keyFormat: PayloadFormat.TEXT,
  key: Buffer.from(`k-${text}`),
  valueFormat: PayloadFormat.TEXT,
  value: Buffer.from(JSON.stringify(text)),
  headers: JSON.stringify([['h', text]]),
  sizeBytes: 10,
});

const config = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1000 };

describe.each([
  ['in memory', false],
  ['on a file', true],
])('record log store (%s)', (_label, onFile) => {
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

  it('assigns dense offsets per partition from 0', () => {
    const topics = new TopicStore(db);
    const log = new RecordLogStore(db);
    const topic = topics.insert('t', 2, config, 0);
    const first = db.transaction(() => log.append(topic.id, 0, [record('a'), record('b')]));
    const second = db.transaction(() => log.append(topic.id, 0, [record('c')]));
    const other = db.transaction(() => log.append(topic.id, 1, [record('x')]));
    expect([first, second, other]).toEqual([0, 2, 0]);
    expect(log.read(topic.id, 0, 0, 10).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(topics.partitionState(topic.id, 0)).toEqual({
      partition: 0,
      logStartOffset: 0,
      logEndOffset: 3,
      bytes: 30,
    });
  });

  it('reads back exactly what was appended', () => {
    const topics = new TopicStore(db);
    const log = new RecordLogStore(db);
    const topic = topics.insert('t', 1, config, 0);
    const original = { ...record('hello', 42), key: null, keyFormat: PayloadFormat.NULL };
    db.transaction(() => log.append(topic.id, 0, [original]));
    expect(log.read(topic.id, 0, 0, 1)).toEqual([{ ...original, offset: 0 }]);
  });

  it('refuses to append to a partition that does not exist', () => {
    const log = new RecordLogStore(db);
    expect(() => db.transaction(() => log.append(99, 0, [record('a')]))).toThrow(
      MissingPartitionError,
    );
  });

  it('truncates the head and moves the log start offset', () => {
    const topics = new TopicStore(db);
    const log = new RecordLogStore(db);
    const topic = topics.insert('t', 1, config, 0);
    db.transaction(() => log.append(topic.id, 0, [record('a'), record('b'), record('c')]));
    log.truncateHead(topic.id, 0, 2, 20);
    expect(log.read(topic.id, 0, 0, 10).map((r) => r.offset)).toEqual([2]);
    expect(topics.partitionState(topic.id, 0)).toMatchObject({
      logStartOffset: 2,
      logEndOffset: 3,
      bytes: 10,
    });
  });

  it('finds the first offset at or after a timestamp', () => {
    const topics = new TopicStore(db);
    const log = new RecordLogStore(db);
    const topic = topics.insert('t', 1, config, 0);
    db.transaction(() =>
      log.append(topic.id, 0, [record('a', 10), record('b', 20), record('c', 30)]),
    );
    expect(log.firstOffsetAtOrAfter(topic.id, 0, 15)).toBe(1);
    expect(log.firstOffsetAtOrAfter(topic.id, 0, 31)).toBeUndefined();
  });

  it('deletes a topic with its records, and a re-created topic starts empty', () => {
    const topics = new TopicStore(db);
    const log = new RecordLogStore(db);
    const topic = topics.insert('t', 1, config, 0);
    db.transaction(() => log.append(topic.id, 0, [record('a')]));
    topics.delete(topic.id);
    const again = topics.insert('t', 1, config, 0);
    expect(again.id).not.toBe(topic.id);
    expect(log.read(again.id, 0, 0, 10)).toEqual([]);
    expect(topics.partitionState(again.id, 0)?.logEndOffset).toBe(0);
  });

  if (onFile) {
    it('keeps topics, records and offsets across close and reopen', async () => {
      const topics = new TopicStore(db);
      const log = new RecordLogStore(db);
      const commit = new GroupCommit(db);
      const topic = topics.insert('t', 2, { ...config, retentionMs: 5 }, 7);
      await Promise.all([
        commit.submit(() => log.append(topic.id, 0, [record('a'), record('b')])),
        commit.submit(() => log.append(topic.id, 1, [record('c')])),
      ]);
      log.truncateHead(topic.id, 0, 1, 10);
      db.close();

      db = new Database({ file: file(), sync: 'full' });
      const reopenedTopics = new TopicStore(db);
      const reopenedLog = new RecordLogStore(db);
      expect(reopenedTopics.list()).toEqual([topic]);
      expect(reopenedTopics.partitionStates(topic.id)).toEqual([
        { partition: 0, logStartOffset: 1, logEndOffset: 2, bytes: 10 },
        { partition: 1, logStartOffset: 0, logEndOffset: 1, bytes: 10 },
      ]);
      expect(reopenedLog.read(topic.id, 0, 0, 10)).toEqual([{ ...record('b'), offset: 1 }]);
      const next = db.transaction(() => reopenedLog.append(topic.id, 0, [record('d')]));
      expect(next).toBe(2);
    });

    it('migrates a new file to the latest schema version once', () => {
      expect(db.schemaVersion()).toBe(MIGRATIONS.length);
      db.close();
      db = new Database({ file: file(), sync: 'normal' });
      expect(db.schemaVersion()).toBe(MIGRATIONS.length);
    });
  }
});
