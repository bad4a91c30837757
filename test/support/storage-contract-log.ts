import { MissingPartitionError } from '../../src/persistence/port/log-storage';
import type { ContractContext } from './storage-contract';
import { createTopic, numbered, offsetsOf, record, served } from './storage-fixtures';

/** The log: appends, pages, bounds, retention's operations. */
export function describeLogContract(ctx: ContractContext): void {
  describe('log', () => {
    it('assigns dense offsets to many appends in flight at once across partitions', async () => {
      const topic = await createTopic(ctx.storage, 'dense', 3);
      const appends = Array.from({ length: 90 }, (_x, i) => {
        const partition = i % 3;
        const count = 1 + (i % 5);
        const batches = [{ topicId: topic.id, partition, records: numbered(count, i * 100) }];
        if (i % 10 === 0) {
          batches.push({
            topicId: topic.id,
            partition: (partition + 1) % 3,
            records: numbered(2, i * 100 + 50),
          });
        }
        return ctx.storage.log.append(batches).then((bases) => ({ batches, bases }));
      });
      const results = await Promise.all(appends);

      for (let partition = 0; partition < 3; partition++) {
        const ranges = results
          .flatMap(({ batches, bases }) =>
            batches
              .map((b, j) => ({ b, base: bases[j]! }))
              .filter(({ b }) => b.partition === partition),
          )
          .map(({ b, base }) => ({ base, records: b.records }))
          .sort((x, y) => x.base - y.base);
        let next = 0;
        for (const range of ranges) {
          expect(range.base).toBe(next);
          next += range.records.length;
        }
        const page = await ctx.storage.log.readPage(
          topic.id,
          partition,
          0,
          10_000,
          Number.MAX_SAFE_INTEGER,
        );
        expect(offsetsOf(page)).toEqual(Array.from({ length: next }, (_x, i) => i));
        const values = served(page).map((r) => r.value);
        expect(values).toEqual(
          ranges.flatMap((r) => r.records.map((x) => JSON.parse(`{${x.wire}}`).value)),
        );
      }
    });

    it('appends nothing when one partition of an append does not exist', async () => {
      const topic = await createTopic(ctx.storage, 'partial', 2);
      const failed = ctx.storage.log.append([
        { topicId: topic.id, partition: 0, records: numbered(3) },
        { topicId: topic.id, partition: 7, records: numbered(1) },
      ]);
      await expect(failed).rejects.toBeInstanceOf(MissingPartitionError);
      await expect(failed).rejects.toMatchObject({ topicId: topic.id, partition: 7 });
      const bounds = (await ctx.storage.log.bounds()).filter((b) => b.topicId === topic.id);
      expect(bounds.map((b) => [b.logStartOffset, b.logEndOffset, b.bytes])).toEqual([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      expect(
        (
          await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(1) }])
        )[0],
      ).toBe(0);
    });

    it('serves appended records exactly as produced: JSON, text and binary, keys, headers', async () => {
      const topic = await createTopic(ctx.storage, 'shapes', 1);
      const inputs = [
        { key: 'k-é', value: { nested: [1, { x: null }], s: '😀' }, headers: { a: '1', b: 'é' } },
        { keyBase64: Buffer.from([0, 255]).toString('base64'), valueBase64: 'AAECAw==' },
        { value: 'text' },
        {},
      ];
      await ctx.storage.log.append([
        { topicId: topic.id, partition: 0, records: inputs.map((i) => record(i)) },
      ]);
      const page = await ctx.storage.log.readPage(topic.id, 0, 0, 10, 1 << 20);
      expect(served(page, 'shapes', 0)).toEqual([
        {
          topic: 'shapes',
          partition: 0,
          offset: 0,
          timestampMs: 1000,
          key: 'k-é',
          value: inputs[0]!.value,
          headers: { a: '1', b: 'é' },
        },
        {
          topic: 'shapes',
          partition: 0,
          offset: 1,
          timestampMs: 1000,
          keyBase64: 'AP8=',
          valueBase64: 'AAECAw==',
          headers: {},
        },
        { topic: 'shapes', partition: 0, offset: 2, timestampMs: 1000, value: 'text', headers: {} },
        { topic: 'shapes', partition: 0, offset: 3, timestampMs: 1000, headers: {} },
      ]);
      expect(Array.from(page.sizes)).toEqual(inputs.map((i) => record(i).sizeBytes));
      expect(Array.from(page.timestamps)).toEqual([1000, 1000, 1000, 1000]);
    });

    it('reads a page of at most maxRecords from an offset', async () => {
      const topic = await createTopic(ctx.storage, 'paged', 1);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(10) }]);
      const page = await ctx.storage.log.readPage(topic.id, 0, 4, 3, 1 << 20);
      expect(offsetsOf(page)).toEqual([4, 5, 6]);
      expect(served(page).map((r) => r.value)).toEqual([{ n: 4 }, { n: 5 }, { n: 6 }]);
      expect((await ctx.storage.log.readPage(topic.id, 0, 10, 3, 1 << 20)).count).toBe(0);
      expect((await ctx.storage.log.readPage(topic.id, 0, 0, 0, 1 << 20)).count).toBe(0);
    });

    it('cuts a page at maxBytes of record sizes but always returns at least one record', async () => {
      const topic = await createTopic(ctx.storage, 'bytes', 1);
      const records = Array.from({ length: 5 }, (_x, i) =>
        record({ value: 'x'.repeat(98), key: `${i}` }),
      );
      expect(records[0]!.sizeBytes).toBe(101);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      expect(offsetsOf(await ctx.storage.log.readPage(topic.id, 0, 0, 10, 303))).toEqual([0, 1, 2]);
      expect(offsetsOf(await ctx.storage.log.readPage(topic.id, 0, 0, 10, 302))).toEqual([0, 1]);
      expect(offsetsOf(await ctx.storage.log.readPage(topic.id, 0, 1, 10, 1))).toEqual([1]);
    });

    it('reads the records at exactly the offsets asked that still exist', async () => {
      const topic = await createTopic(ctx.storage, 'picked', 1);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(10) }]);
      await ctx.storage.log.truncateHead(topic.id, 0, 2);
      const page = await ctx.storage.log.readOffsets(topic.id, 0, [1, 3, 4, 8, 12]);
      expect(offsetsOf(page)).toEqual([3, 4, 8]);
      expect(served(page).map((r) => r.value)).toEqual([{ n: 3 }, { n: 4 }, { n: 8 }]);
      expect((await ctx.storage.log.readOffsets(topic.id, 0, [])).count).toBe(0);
    });

    it('hashes each record key into its page: equal keys equal, null keys NaN', async () => {
      const topic = await createTopic(ctx.storage, 'keyed', 1);
      const keys = ['a', 'b', null, 'a', '', 'é😀', 'b'];
      await ctx.storage.log.append([
        {
          topicId: topic.id,
          partition: 0,
          records: keys.map((key, n) => record(key === null ? { value: n } : { key, value: n })),
        },
      ]);
      const page = await ctx.storage.log.readPage(topic.id, 0, 0, 10, 1 << 20);
      const hashes = Array.from(page.keyHashes);
      expect(hashes).toHaveLength(keys.length);
      expect(hashes[2]).toBeNaN();
      expect(hashes[0]).toBe(hashes[3]);
      expect(hashes[1]).toBe(hashes[6]);
      expect(new Set([hashes[0], hashes[1], hashes[4], hashes[5]]).size).toBe(4);
      const picked = await ctx.storage.log.readOffsets(topic.id, 0, [3, 5]);
      expect(Array.from(picked.keyHashes)).toEqual([hashes[3], hashes[5]]);
    });

    it('reports the bounds of every partition with their bytes', async () => {
      const a = await createTopic(ctx.storage, 'a', 2);
      const b = await createTopic(ctx.storage, 'b', 1);
      const records = numbered(4);
      await ctx.storage.log.append([
        { topicId: a.id, partition: 1, records },
        { topicId: b.id, partition: 0, records: records.slice(0, 1) },
      ]);
      const bytes = records.reduce((sum, r) => sum + r.sizeBytes, 0);
      const bounds = await ctx.storage.log.bounds();
      expect(bounds.filter((x) => x.topicId === a.id || x.topicId === b.id)).toEqual([
        { topicId: a.id, partition: 0, logStartOffset: 0, logEndOffset: 0, bytes: 0 },
        { topicId: a.id, partition: 1, logStartOffset: 0, logEndOffset: 4, bytes },
        {
          topicId: b.id,
          partition: 0,
          logStartOffset: 0,
          logEndOffset: 1,
          bytes: records[0]!.sizeBytes,
        },
      ]);
    });

    it('summarises offsets, times and sizes from an offset for retention', async () => {
      const topic = await createTopic(ctx.storage, 'summed', 1);
      const records = numbered(6, 0, 5000);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      expect(await ctx.storage.log.summaries(topic.id, 0, 2, 3)).toEqual(
        [2, 3, 4].map((o) => ({
          offset: o,
          timestampMs: 5000 + o,
          sizeBytes: records[o]!.sizeBytes,
        })),
      );
    });

    it('truncates the head: records below the new start are gone, never past the end or back', async () => {
      const topic = await createTopic(ctx.storage, 'retained', 1);
      const records = numbered(10);
      await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      const kept = records.slice(4).reduce((sum, r) => sum + r.sizeBytes, 0);
      expect(await ctx.storage.log.truncateHead(topic.id, 0, 4)).toEqual({
        topicId: topic.id,
        partition: 0,
        logStartOffset: 4,
        logEndOffset: 10,
        bytes: kept,
      });
      expect(offsetsOf(await ctx.storage.log.readPage(topic.id, 0, 0, 3, 1 << 20))).toEqual([
        4, 5, 6,
      ]);
      expect(await ctx.storage.log.summaries(topic.id, 0, 0, 1)).toEqual([
        { offset: 4, timestampMs: 1004, sizeBytes: records[4]!.sizeBytes },
      ]);
      expect((await ctx.storage.log.truncateHead(topic.id, 0, 2)).logStartOffset).toBe(4);
      expect(await ctx.storage.log.truncateHead(topic.id, 0, 50)).toMatchObject({
        logStartOffset: 10,
        logEndOffset: 10,
        bytes: 0,
      });
      expect((await ctx.storage.log.readPage(topic.id, 0, 0, 10, 1 << 20)).count).toBe(0);
      expect(
        (
          await ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(1) }])
        )[0],
      ).toBe(10);
      await expect(ctx.storage.log.truncateHead(topic.id, 5, 1)).rejects.toBeInstanceOf(
        MissingPartitionError,
      );
    });

    it('finds the first offset whose timestamp is at or after a time', async () => {
      const topic = await createTopic(ctx.storage, 'timed', 1);
      const times = [100, 200, 200, 300];
      await ctx.storage.log.append([
        {
          topicId: topic.id,
          partition: 0,
          records: times.map((t) => record({ value: t, timestampMs: t })),
        },
      ]);
      expect(await ctx.storage.log.offsetAtTime(topic.id, 0, 0)).toBe(0);
      expect(await ctx.storage.log.offsetAtTime(topic.id, 0, 150)).toBe(1);
      expect(await ctx.storage.log.offsetAtTime(topic.id, 0, 200)).toBe(1);
      expect(await ctx.storage.log.offsetAtTime(topic.id, 0, 300)).toBe(3);
      expect(await ctx.storage.log.offsetAtTime(topic.id, 0, 301)).toBeNull();
    });

    it('keeps appends that commit together when one of them fails', async () => {
      const topic = await createTopic(ctx.storage, 'mixed', 1);
      const outcomes = await Promise.allSettled([
        ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(2) }]),
        ctx.storage.log.append([{ topicId: topic.id, partition: 3, records: numbered(2) }]),
        ctx.storage.log.append([{ topicId: topic.id, partition: 0, records: numbered(2, 2) }]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const page = await ctx.storage.log.readPage(topic.id, 0, 0, 10, 1 << 20);
      expect(offsetsOf(page)).toEqual([0, 1, 2, 3]);
      const values = served(page).map((r) => (r.value as { n: number }).n);
      expect(values.sort()).toEqual([0, 1, 2, 3]);
    });
  });
}
