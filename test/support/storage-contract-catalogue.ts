import { NameTakenError } from '../../src/persistence/port/catalogue-storage';
import { MissingPartitionError } from '../../src/persistence/port/log-storage';
import type { ContractContext } from './storage-contract';
import { batch, CONFIG, createTopic, numbered, STATE } from './storage-fixtures';

/** Topics, share groups, committed offsets. */
export function describeCatalogueContract(ctx: ContractContext): void {
  describe('catalogue', () => {
    it('creates topics with empty partitions and lists them by name', async () => {
      const b = await ctx.storage.catalogue.createTopic('b-topic', 2, CONFIG, 7);
      const a = await ctx.storage.catalogue.createTopic(
        'a-topic',
        1,
        { ...CONFIG, retentionMs: -1 },
        8,
      );
      expect(b).toEqual({
        id: b.id,
        name: 'b-topic',
        partitions: 2,
        config: CONFIG,
        createdAtMs: 7,
      });
      expect(a.id).not.toBe(b.id);
      expect(await ctx.storage.catalogue.listTopics()).toEqual([
        {
          id: a.id,
          name: 'a-topic',
          partitions: 1,
          config: { ...CONFIG, retentionMs: -1 },
          createdAtMs: 8,
        },
        b,
      ]);
      const bounds = await ctx.storage.log.bounds();
      expect(bounds.filter((x) => x.topicId === b.id).map((x) => x.partition)).toEqual([0, 1]);
    });

    it('refuses a topic name that exists with NameTakenError', async () => {
      await createTopic(ctx.storage, 'taken', 1);
      const again = ctx.storage.catalogue.createTopic('taken', 4, CONFIG, 1);
      await expect(again).rejects.toBeInstanceOf(NameTakenError);
      await expect(again).rejects.toMatchObject({ taken: 'taken' });
      expect((await ctx.storage.catalogue.listTopics()).map((t) => t.partitions)).toEqual([1]);
    });

    it('grows a topic and replaces its config, never shrinking it', async () => {
      const topic = await createTopic(ctx.storage, 'grown', 2);
      const config = { retentionMs: 1000, retentionBytes: 4096, maxMessageBytes: 512 };
      await ctx.storage.catalogue.alterTopic(topic.id, 4, config);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 3, records: numbered(1) }]);
      await ctx.storage.catalogue.alterTopic(topic.id, 1, config);
      const [listed] = await ctx.storage.catalogue.listTopics();
      expect(listed).toMatchObject({ partitions: 4, config });
      const bounds = (await ctx.storage.log.bounds()).filter((b) => b.topicId === topic.id);
      expect(bounds.map((b) => [b.partition, b.logEndOffset])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
        [3, 1],
      ]);
    });

    it('deletes a topic with its records, share state, dead-letter rows and committed offsets', async () => {
      const topic = await createTopic(ctx.storage, 'doomed', 2);
      const kept = await createTopic(ctx.storage, 'kept', 1);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(3) }]);
      await ctx.storage.log.append([{ topicId: kept.id, partition: 0, records: numbered(1) }]);
      const group = await ctx.storage.catalogue.createShareGroup('workers', '{}', 1, [
        {
          topicId: topic.id,
          partition: 0,
          startOffset: 0,
          endOffset: 3,
          resetAll: false,
          batches: [batch(0, 2, STATE.ACKNOWLEDGED)],
        },
        {
          topicId: kept.id,
          partition: 0,
          startOffset: 0,
          endOffset: 1,
          resetAll: false,
          batches: [batch(0, 0, STATE.ACQUIRED)],
        },
      ]);
      await ctx.storage.shares.write(
        [
          {
            groupId: group.id,
            topicId: kept.id,
            partition: 0,
            startOffset: 0,
            endOffset: 1,
            resetAll: false,
            batches: [batch(0, 0, STATE.ARCHIVED)],
          },
        ],
        [dlq(kept.id, topic.id)],
      );
      await ctx.storage.offsets.commit(
        'readers',
        [
          { topicId: topic.id, partition: 1, offset: 2 },
          { topicId: kept.id, partition: 0, offset: 1 },
        ],
        5,
      );

      await ctx.storage.catalogue.deleteTopic(topic.id);

      expect((await ctx.storage.catalogue.listTopics()).map((t) => t.name)).toEqual(['kept']);
      expect((await ctx.storage.log.bounds()).map((b) => b.topicId)).toEqual([kept.id]);
      expect((await ctx.storage.log.readPage(topic.id, 0, 0, 10, 1 << 20)).count).toBe(0);
      expect((await ctx.storage.shares.load(group.id)).map((p) => p.topicId)).toEqual([kept.id]);
      expect(await ctx.storage.deadLetters.range(topic.id, 0, 0, 10)).toEqual([]);
      expect(await ctx.storage.deadLetters.summaries()).toEqual([]);
      expect((await ctx.storage.offsets.list()).map((o) => o.topicId)).toEqual([kept.id]);

      const again = await createTopic(ctx.storage, 'doomed', 1);
      expect(again.id).not.toBe(topic.id);
      expect(
        (await ctx.storage.log.bounds()).find((b) => b.topicId === again.id)?.logEndOffset,
      ).toBe(0);
    });

    it('tells the highest share-group id ever issued, deleted groups included', async () => {
      expect(await ctx.storage.catalogue.lastShareGroupId()).toBe(0);
      const first = await ctx.storage.catalogue.createShareGroup('first', '{}', 1, []);
      const second = await ctx.storage.catalogue.createShareGroup('second', '{}', 2, []);
      expect(second.id).toBeGreaterThan(first.id);
      await ctx.storage.catalogue.deleteShareGroup(second.id);
      expect(await ctx.storage.catalogue.lastShareGroupId()).toBe(second.id);
      const third = await ctx.storage.catalogue.createShareGroup('third', '{}', 3, []);
      expect(third.id).toBeGreaterThan(second.id);
      expect(await ctx.storage.catalogue.lastShareGroupId()).toBe(third.id);
    });

    it('creates share groups with their first share partitions, alters and deletes them', async () => {
      const topic = await createTopic(ctx.storage, 'jobs', 2);
      const group = await ctx.storage.catalogue.createShareGroup('g', '{"a":1}', 9, [
        {
          topicId: topic.id,
          partition: 0,
          startOffset: 0,
          endOffset: 0,
          resetAll: false,
          batches: [],
        },
      ]);
      expect(group).toEqual({ id: group.id, name: 'g', config: '{"a":1}', createdAtMs: 9 });
      await expect(ctx.storage.catalogue.createShareGroup('g', '{}', 1, [])).rejects.toBeInstanceOf(
        NameTakenError,
      );
      await ctx.storage.catalogue.alterShareGroup(group.id, '{"a":2}', [
        {
          topicId: topic.id,
          partition: 1,
          startOffset: 5,
          endOffset: 5,
          resetAll: false,
          batches: [],
        },
      ]);
      expect(await ctx.storage.catalogue.listShareGroups()).toEqual([
        { ...group, config: '{"a":2}' },
      ]);
      expect(await ctx.storage.shares.load(group.id)).toEqual([
        { topicId: topic.id, partition: 0, startOffset: 0, endOffset: 0, batches: [] },
        { topicId: topic.id, partition: 1, startOffset: 5, endOffset: 5, batches: [] },
      ]);
      await ctx.storage.catalogue.deleteShareGroup(group.id);
      expect(await ctx.storage.catalogue.listShareGroups()).toEqual([]);
      expect(await ctx.storage.shares.load(group.id)).toEqual([]);
      const again = await ctx.storage.catalogue.createShareGroup('g', '{}', 1, []);
      expect(again.id).not.toBe(group.id);
    });
  });

  describe('committed offsets', () => {
    it('commits, replaces (even backwards), lists and deletes committed offsets', async () => {
      const topic = await createTopic(ctx.storage, 'read', 2);
      await ctx.storage.offsets.commit(
        'g1',
        [
          { topicId: topic.id, partition: 0, offset: 5 },
          { topicId: topic.id, partition: 1, offset: 7 },
        ],
        100,
      );
      await ctx.storage.offsets.commit('g0', [{ topicId: topic.id, partition: 0, offset: 1 }], 101);
      await ctx.storage.offsets.commit('g1', [{ topicId: topic.id, partition: 0, offset: 2 }], 102);
      expect(await ctx.storage.offsets.list()).toEqual([
        { group: 'g0', topicId: topic.id, partition: 0, committedOffset: 1, committedAtMs: 101 },
        { group: 'g1', topicId: topic.id, partition: 0, committedOffset: 2, committedAtMs: 102 },
        { group: 'g1', topicId: topic.id, partition: 1, committedOffset: 7, committedAtMs: 100 },
      ]);
      await ctx.storage.offsets.deleteGroup('g1');
      expect((await ctx.storage.offsets.list()).map((o) => o.group)).toEqual(['g0']);
    });

    it('refuses a commit to a partition that does not exist and keeps the rest of it out', async () => {
      const topic = await createTopic(ctx.storage, 'read', 1);
      const commit = ctx.storage.offsets.commit(
        'g',
        [
          { topicId: topic.id, partition: 0, offset: 5 },
          { topicId: topic.id, partition: 1, offset: 5 },
        ],
        1,
      );
      await expect(commit).rejects.toBeInstanceOf(MissingPartitionError);
      expect(await ctx.storage.offsets.list()).toEqual([]);
    });
  });
}

/** A dead-letter copy of `source`/0/0 into `target`/0. */
function dlq(sourceTopicId: number, targetTopicId: number) {
  return {
    source: { topicId: sourceTopicId, partition: 0, offset: 0, topicName: 'kept' },
    target: { topicId: targetTopicId, partition: 0 },
    lineage: [['weir-dlq-reason', 'CLIENT_REJECT']] as Array<[string, string]>,
    reason: 'CLIENT_REJECT',
    deadLetteredAtMs: 50,
  };
}
