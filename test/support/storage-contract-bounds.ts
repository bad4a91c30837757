import { PartitionBoundsMirror } from '../../src/persistence/partition-bounds-mirror';
import type { BoundsChange } from '../../src/persistence/port/log-storage';
import type { Storage } from '../../src/persistence/port/storage';
import type { ContractContext } from './storage-contract';
import { CONFIG, createTopic, numbered, record } from './storage-fixtures';

const bounds = (
  topicId: number,
  partition: number,
  logStartOffset: number,
  logEndOffset: number,
  bytes: number,
) => ({ topicId, partition, logStartOffset, logEndOffset, bytes });

/** Collects what `storage` reports, and whether each report came before its write resolved. */
function listen(storage: Storage): BoundsChange[] {
  const changes: BoundsChange[] = [];
  storage.onBoundsChanged((change) => changes.push(change));
  return changes;
}

/** The bounds every committed write reports (`Storage.onBoundsChanged`), and the mirror of them. */
export function describeBoundsContract(ctx: ContractContext): void {
  describe('bounds reports', () => {
    it('reports the partitions a topic creation, growth and deletion made or removed', async () => {
      const changes = listen(ctx.storage);
      const topic = await createTopic(ctx.storage, 'grown', 2);
      expect(changes).toEqual([
        {
          bounds: [bounds(topic.id, 0, 0, 0, 0), bounds(topic.id, 1, 0, 0, 0)],
          deletedTopicIds: [],
        },
      ]);
      await ctx.storage.catalogue.alterTopic(topic.id, 3, CONFIG);
      expect(changes[1]!.bounds).toContainEqual(bounds(topic.id, 2, 0, 0, 0));
      await ctx.storage.catalogue.deleteTopic(topic.id);
      expect(changes[2]).toEqual({ bounds: [], deletedTopicIds: [topic.id] });
    });

    it('reports the new bounds of appends and truncations before their promises resolve', async () => {
      const topic = await createTopic(ctx.storage, 'log', 2);
      const changes = listen(ctx.storage);
      const seenAtResolve: number[] = [];
      const size = numbered(1)[0]!.sizeBytes;
      await ctx.storage.log
        .append([
          { topicId: topic.id, partition: 0, records: numbered(3) },
          { topicId: topic.id, partition: 1, records: numbered(1) },
        ])
        .then(() => seenAtResolve.push(changes.length));
      expect(seenAtResolve).toEqual([1]);
      expect(changes[0]!.bounds).toEqual(
        expect.arrayContaining([
          bounds(topic.id, 0, 0, 3, expect.any(Number) as number),
          bounds(topic.id, 1, 0, 1, size),
        ]),
      );
      await ctx.storage.log.truncateHead(topic.id, 0, 2);
      expect(changes[1]!.bounds).toEqual([
        bounds(
          topic.id,
          0,
          2,
          3,
          changes[0]!.bounds.find((b) => b.partition === 0)!.bytes - 2 * size,
        ),
      ]);
    });

    it('reports nothing for a write that rolled back', async () => {
      const topic = await createTopic(ctx.storage, 'log', 1);
      const changes = listen(ctx.storage);
      await expect(
        ctx.storage.log.append([
          { topicId: topic.id, partition: 0, records: numbered(1) },
          { topicId: topic.id, partition: 5, records: numbered(1) },
        ]),
      ).rejects.toThrow();
      expect(changes).toEqual([]);
    });

    it('reports dead-letter copies of a share write and the copies a redrive appends', async () => {
      const jobs = await createTopic(ctx.storage, 'jobs', 1);
      const dlq = await createTopic(ctx.storage, 'dlq', 1);
      await ctx.storage.log.append([{ topicId: jobs.id, partition: 0, records: numbered(2) }]);
      const group = await ctx.storage.catalogue.createShareGroup('g', '{}', 1, []);
      const changes = listen(ctx.storage);
      await ctx.storage.shares.write(
        [],
        [
          {
            source: { topicId: jobs.id, partition: 0, offset: 0, topicName: 'jobs' },
            target: { topicId: dlq.id, partition: 0 },
            lineage: [['weir-dlq-reason', 'CLIENT_REJECT']],
            reason: 'CLIENT_REJECT',
            deadLetteredAtMs: 5,
          },
        ],
      );
      expect(changes[0]!.bounds).toEqual([bounds(dlq.id, 0, 0, 1, expect.any(Number) as number)]);
      await ctx.storage.deadLetters.redrive(
        [
          {
            from: { topicId: dlq.id, partition: 0, offset: 0 },
            to: { topicId: jobs.id, partition: 0 },
            record: record({ value: 'again' }, 6),
          },
        ],
        6,
      );
      expect(changes[1]!.bounds).toEqual([bounds(jobs.id, 0, 0, 3, expect.any(Number) as number)]);
      expect(group.id).toBeGreaterThan(0);
    });

    it('keeps a mirror equal to the stored bounds through every kind of write', async () => {
      const early = await createTopic(ctx.storage, 'early', 2);
      await ctx.storage.log.append([{ topicId: early.id, partition: 1, records: numbered(4) }]);
      const mirror = await PartitionBoundsMirror.load(ctx.storage);
      const later = await createTopic(ctx.storage, 'later', 1);
      await Promise.all([
        ctx.storage.log.append([{ topicId: later.id, partition: 0, records: numbered(5) }]),
        ctx.storage.log.append([{ topicId: early.id, partition: 1, records: numbered(2) }]),
      ]);
      await ctx.storage.log.truncateHead(early.id, 1, 3);
      await ctx.storage.catalogue.alterTopic(later.id, 2, CONFIG);
      const doomed = await createTopic(ctx.storage, 'doomed', 1);
      await ctx.storage.catalogue.deleteTopic(doomed.id);

      const stored = await ctx.storage.log.bounds();
      for (const b of stored) {
        expect(mirror.partitionState(b.topicId, b.partition)).toEqual({
          partition: b.partition,
          logStartOffset: b.logStartOffset,
          logEndOffset: b.logEndOffset,
          bytes: b.bytes,
        });
      }
      expect(mirror.partitionStates(later.id).map((p) => p.partition)).toEqual([0, 1]);
      expect(mirror.partitionStates(doomed.id)).toEqual([]);
      expect(await mirror.refresh(early.id, 1)).toMatchObject({
        logStartOffset: 3,
        logEndOffset: 6,
      });
    });
  });
}
