import type { Storage } from '../../src/persistence/port/storage';
import type { ContractContext } from './storage-contract';
import { batch, createTopic, numbered, record, served, STATE } from './storage-fixtures';

/** Everything a durable storage must give back after close and reopen. */
async function snapshot(storage: Storage, groupId: number) {
  const pages = await Promise.all(
    (await storage.log.bounds()).map(async (b) => ({
      bounds: b,
      records: served(await storage.log.readPage(b.topicId, b.partition, 0, 1000, 1 << 30)),
    })),
  );
  return {
    topics: await storage.catalogue.listTopics(),
    groups: await storage.catalogue.listShareGroups(),
    shares: await storage.shares.load(groupId),
    offsets: await storage.offsets.list(),
    deadLetters: await storage.deadLetters.summaries(),
    pages,
  };
}

/** Durability, close, readiness. */
export function describeLifecycleContract(ctx: ContractContext): void {
  describe('lifecycle', () => {
    it('proves it can write', async () => {
      await expect(ctx.storage.checkWritable()).resolves.toBeUndefined();
    });

    it('rejects every call after close', async () => {
      const storage = ctx.storage;
      await createTopic(storage, 'before', 1);
      await storage.close();
      await expect(storage.catalogue.listTopics()).rejects.toThrow();
      await expect(storage.log.append([])).rejects.toThrow();
      await expect(storage.offsets.list()).rejects.toThrow();
      await expect(storage.close()).resolves.toBeUndefined();
    });

    if (!ctx.durable) return;

    it('commits the writes in flight when it closes', async () => {
      const topic = await createTopic(ctx.storage, 'flushed', 1);
      const appends = Array.from({ length: 20 }, (_x, i) =>
        ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(5, i * 5) }]),
      );
      const closed = ctx.storage.close();
      const bases = await Promise.all(appends);
      await closed;
      expect(bases.map(([base]) => base!).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_x, i) => i * 5),
      );
      const reopened = await ctx.reopen();
      expect((await reopened.log.bounds())[0]?.logEndOffset).toBe(100);
    });

    it('keeps topics, records, share state, offsets and dead letters across close and reopen', async () => {
      const storage = ctx.storage;
      const jobs = await createTopic(storage, 'jobs', 2);
      const dlq = await createTopic(storage, 'dlq', 1);
      await storage.log.append([
        { topicId: jobs.id, partition: 0, records: numbered(5) },
        {
          topicId: jobs.id,
          partition: 1,
          records: [record({ keyBase64: 'AAE=', valueBase64: 'AP8=', headers: { h: 'é' } })],
        },
      ]);
      await storage.log.truncateHead(jobs.id, 0, 1);
      const group = await storage.catalogue.createShareGroup('workers', '{"x":1}', 3, [
        {
          topicId: jobs.id,
          partition: 0,
          startOffset: 1,
          endOffset: 1,
          resetAll: false,
          batches: [],
        },
      ]);
      await storage.shares.write(
        [
          {
            groupId: group.id,
            topicId: jobs.id,
            partition: 0,
            startOffset: 1,
            endOffset: 5,
            resetAll: false,
            batches: [
              batch(1, 2, STATE.ACQUIRED, 2, {
                memberId: 'm',
                token: 'ab12',
                acquiredAtMs: 1,
                lockExpiresAtMs: 9,
              }),
              batch(3, 3, STATE.ARCHIVED, 5),
            ],
          },
        ],
        [
          {
            source: { topicId: jobs.id, partition: 0, offset: 3, topicName: 'jobs' },
            target: { topicId: dlq.id, partition: 0 },
            lineage: [['weir-dlq-reason', 'DELIVERY_COUNT_EXCEEDED']],
            reason: 'DELIVERY_COUNT_EXCEEDED',
            deadLetteredAtMs: 77,
          },
        ],
      );
      await storage.offsets.commit('readers', [{ topicId: jobs.id, partition: 1, offset: 1 }], 5);
      const before = await snapshot(storage, group.id);

      const reopened = await ctx.reopen();
      expect(await snapshot(reopened, group.id)).toEqual(before);
      expect(before.pages.map((p) => p.records.length)).toEqual([4, 1, 1]);
      const next = await reopened.log.append([
        { topicId: jobs.id, partition: 0, records: numbered(1) },
      ]);
      expect(next).toEqual([5]);
      const again = await createTopic(reopened, 'later', 1);
      expect(again.id).toBeGreaterThan(dlq.id);
    });
  });
}
