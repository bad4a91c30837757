import { makeTempDir } from '../../test/support/temp-dir';
import { Database } from './database';
import { StreamOffsetStore } from './stream-offset.store';
import { TopicStore } from './topic.store';

const config = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1000 };

describe.each([
  ['in memory', false],
  ['on a file', true],
])('stream offset store (%s)', (_label, onFile) => {
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

  it('keeps the last committed offset per group and partition', () => {
    const topic = new TopicStore(db).insert('t', 2, config, 0);
    const offsets = new StreamOffsetStore(db);
    offsets.save('g', [{ topicId: topic.id, partition: 0, offset: 5 }], 100);
    offsets.save(
      'g',
      [
        { topicId: topic.id, partition: 0, offset: 9 },
        { topicId: topic.id, partition: 1, offset: 2 },
      ],
      200,
    );
    offsets.save('other', [{ topicId: topic.id, partition: 0, offset: 1 }], 300);
    expect(offsets.list('g')).toEqual([
      { group: 'g', topicId: topic.id, partition: 0, committedOffset: 9, committedAtMs: 200 },
      { group: 'g', topicId: topic.id, partition: 1, committedOffset: 2, committedAtMs: 200 },
    ]);
    expect(offsets.listAll().map((o) => o.group)).toEqual(['g', 'g', 'other']);
    expect(offsets.list('nobody')).toEqual([]);
  });

  it('deletes the committed offsets of one group and keeps the others', () => {
    const topic = new TopicStore(db).insert('t', 2, config, 0);
    const offsets = new StreamOffsetStore(db);
    offsets.save(
      'g',
      [
        { topicId: topic.id, partition: 0, offset: 3 },
        { topicId: topic.id, partition: 1, offset: 4 },
      ],
      1,
    );
    offsets.save('other', [{ topicId: topic.id, partition: 0, offset: 1 }], 1);
    expect(offsets.deleteGroup('g')).toBe(2);
    expect(offsets.deleteGroup('g')).toBe(0);
    if (onFile) {
      db.close();
      db = new Database({ file: file(), sync: 'normal' });
    }
    const reopened = new StreamOffsetStore(db);
    expect(reopened.list('g')).toEqual([]);
    expect(reopened.listAll().map((o) => o.group)).toEqual(['other']);
  });

  it('moves a committed offset back when told to (a reset)', () => {
    const topic = new TopicStore(db).insert('t', 1, config, 0);
    const offsets = new StreamOffsetStore(db);
    offsets.save('g', [{ topicId: topic.id, partition: 0, offset: 50 }], 1);
    offsets.save('g', [{ topicId: topic.id, partition: 0, offset: 0 }], 2);
    expect(offsets.list('g')[0]?.committedOffset).toBe(0);
  });

  it('writes a batch all or nothing', () => {
    const topic = new TopicStore(db).insert('t', 1, config, 0);
    const offsets = new StreamOffsetStore(db);
    expect(() =>
      offsets.save(
        'g',
        [
          { topicId: topic.id, partition: 0, offset: 3 },
          { topicId: topic.id, partition: 7, offset: 3 },
        ],
        1,
      ),
    ).toThrow();
    expect(offsets.list('g')).toEqual([]);
  });

  it('deletes the offsets of a deleted topic, so a re-created one starts without them', () => {
    const topics = new TopicStore(db);
    const topic = topics.insert('t', 1, config, 0);
    const offsets = new StreamOffsetStore(db);
    offsets.save('g', [{ topicId: topic.id, partition: 0, offset: 4 }], 1);
    topics.delete(topic.id);
    topics.insert('t', 1, config, 0);
    expect(offsets.list('g')).toEqual([]);
  });

  if (onFile) {
    it('keeps committed offsets across close and reopen', () => {
      const topic = new TopicStore(db).insert('t', 3, config, 0);
      new StreamOffsetStore(db).save(
        'g',
        [0, 1, 2].map((partition) => ({ topicId: topic.id, partition, offset: partition * 10 })),
        42,
      );
      db.close();
      db = new Database({ file: file(), sync: 'full' });
      expect(new StreamOffsetStore(db).list('g')).toEqual(
        [0, 1, 2].map((partition) => ({
          group: 'g',
          topicId: topic.id,
          partition,
          committedOffset: partition * 10,
          committedAtMs: 42,
        })),
      );
    });
  }
});
