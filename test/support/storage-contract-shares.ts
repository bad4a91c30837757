import { MissingPartitionError } from '../../src/persistence/port/log-storage';
import type {
  DeadLetterAppend,
  SharePartitionWrite,
  ShareStateBatch,
} from '../../src/persistence/port/share-storage';
import type { Storage } from '../../src/persistence/port/storage';
import type { ContractContext } from './storage-contract';
import { batch, createTopic, offsetsOf, record, served, STATE } from './storage-fixtures';

/** A group on topic `jobs` (1 partition, 10 records) and a dead-letter topic `dlq` (1 partition). */
async function setUp(storage: Storage) {
  const jobs = await createTopic(storage, 'jobs', 1);
  const dlqTopic = await createTopic(storage, 'dlq', 1);
  const records = Array.from({ length: 10 }, (_x, n) =>
    record(
      { key: `k${n}`, value: { n }, headers: { trace: `t${n}`, 'weir-dlq-reason': 'OLD' } },
      500 + n,
    ),
  );
  await storage.log.append([{ topicId: jobs.id, partition: 0, records }]);
  const group = await storage.catalogue.createShareGroup('workers', '{}', 1, [
    { topicId: jobs.id, partition: 0, startOffset: 0, endOffset: 0, resetAll: false, batches: [] },
  ]);
  const write = (
    batches: ShareStateBatch[],
    more: Partial<SharePartitionWrite> = {},
  ): SharePartitionWrite => ({
    groupId: group.id,
    topicId: jobs.id,
    partition: 0,
    startOffset: 0,
    endOffset: 10,
    resetAll: false,
    batches,
    ...more,
  });
  const deadLetter = (offset: number, target = dlqTopic.id): DeadLetterAppend => ({
    source: { topicId: jobs.id, partition: 0, offset, topicName: 'jobs' },
    target: { topicId: target, partition: 0 },
    lineage: [
      ['weir-dlq-source-topic', 'jobs'],
      ['weir-dlq-reason', 'CLIENT_REJECT'],
    ],
    reason: 'CLIENT_REJECT',
    deadLetteredAtMs: 9000 + offset,
  });
  const load = async () => (await storage.shares.load(group.id))[0]!;
  return { jobs, dlqTopic, group, write, deadLetter, load };
}

const held = (token: string): Partial<ShareStateBatch> => ({
  memberId: 'm1',
  token,
  acquiredAtMs: 10,
  lockExpiresAtMs: 30_010,
});

/** Share state batches, dead-letter copies, redrive. */
export function describeShareContract(ctx: ContractContext): void {
  describe('share state', () => {
    it('writes share state batches and loads them back with the partition offsets', async () => {
      const { write, load, jobs } = await setUp(ctx.storage);
      const batches = [
        batch(0, 3, STATE.ACQUIRED, 1, held('aa11')),
        batch(4, 4, STATE.AVAILABLE, 2, { availableAtMs: 77 }),
        batch(5, 9, STATE.ACKNOWLEDGED, 1),
      ];
      expect(await ctx.storage.shares.write([write(batches)], [])).toEqual([]);
      expect(await load()).toEqual({
        topicId: jobs.id,
        partition: 0,
        startOffset: 0,
        endOffset: 10,
        batches,
      });
    });

    it('splits stored runs around a batch written inside and across them', async () => {
      const { write, load } = await setUp(ctx.storage);
      await ctx.storage.shares.write([write([batch(0, 9, STATE.ACQUIRED, 1, held('aa11'))])], []);
      await ctx.storage.shares.write([write([batch(3, 4, STATE.ACKNOWLEDGED, 1)])], []);
      expect((await load()).batches).toEqual([
        batch(0, 2, STATE.ACQUIRED, 1, held('aa11')),
        batch(3, 4, STATE.ACKNOWLEDGED, 1),
        batch(5, 9, STATE.ACQUIRED, 1, held('aa11')),
      ]);
      await ctx.storage.shares.write(
        [write([batch(2, 6, STATE.AVAILABLE, 1), batch(9, 9, STATE.ARCHIVED, 1)])],
        [],
      );
      expect((await load()).batches).toEqual([
        batch(0, 1, STATE.ACQUIRED, 1, held('aa11')),
        batch(2, 6, STATE.AVAILABLE, 1),
        batch(7, 8, STATE.ACQUIRED, 1, held('aa11')),
        batch(9, 9, STATE.ARCHIVED, 1),
      ]);
    });

    it('drops state below the start offset, trimming a run that straddles it', async () => {
      const { write, load } = await setUp(ctx.storage);
      await ctx.storage.shares.write(
        [
          write([
            batch(0, 1, STATE.ACKNOWLEDGED, 1),
            batch(2, 6, STATE.ACQUIRED, 3, held('bb22')),
            batch(7, 9, STATE.AVAILABLE, 1),
          ]),
        ],
        [],
      );
      await ctx.storage.shares.write([write([], { startOffset: 4, endOffset: 10 })], []);
      expect(await load()).toMatchObject({
        startOffset: 4,
        endOffset: 10,
        batches: [batch(4, 6, STATE.ACQUIRED, 3, held('bb22')), batch(7, 9, STATE.AVAILABLE, 1)],
      });
    });

    it('forgets every stored state on a reset before writing the new batches', async () => {
      const { write, load } = await setUp(ctx.storage);
      await ctx.storage.shares.write([write([batch(0, 9, STATE.ACKNOWLEDGED, 1)])], []);
      await ctx.storage.shares.write(
        [
          write([batch(8, 8, STATE.ACQUIRED, 1, held('cc33'))], {
            resetAll: true,
            startOffset: 8,
            endOffset: 9,
          }),
        ],
        [],
      );
      expect(await load()).toMatchObject({
        startOffset: 8,
        endOffset: 9,
        batches: [batch(8, 8, STATE.ACQUIRED, 1, held('cc33'))],
      });
    });

    it('changes nothing when a share write names a partition that does not exist', async () => {
      const { write, load } = await setUp(ctx.storage);
      await ctx.storage.shares.write([write([batch(0, 0, STATE.ACQUIRED, 1)])], []);
      const failed = ctx.storage.shares.write(
        [
          write([batch(0, 0, STATE.ACKNOWLEDGED, 1)], { endOffset: 1 }),
          write([], { partition: 4 }),
        ],
        [],
      );
      await expect(failed).rejects.toBeInstanceOf(MissingPartitionError);
      expect((await load()).batches).toEqual([batch(0, 0, STATE.ACQUIRED, 1)]);
    });
  });

  describe('dead letters', () => {
    it('appends dead-letter copies and their index rows with the share write that archives', async () => {
      const { write, deadLetter, load, dlqTopic } = await setUp(ctx.storage);
      const offsets = await ctx.storage.shares.write(
        [write([batch(2, 3, STATE.ARCHIVED, 5)], { endOffset: 4 })],
        [deadLetter(2), deadLetter(3)],
      );
      expect(offsets).toEqual([0, 1]);
      expect((await load()).batches).toEqual([batch(2, 3, STATE.ARCHIVED, 5)]);
      const page = await ctx.storage.log.readPage(dlqTopic.id, 0, 0, 10, 1 << 20);
      expect(served(page, 'dlq', 0)).toEqual(
        [2, 3].map((n, i) => ({
          topic: 'dlq',
          partition: 0,
          offset: i,
          timestampMs: 9000 + n,
          key: `k${n}`,
          value: { n },
          headers: {
            trace: `t${n}`,
            'weir-dlq-source-topic': 'jobs',
            'weir-dlq-reason': 'CLIENT_REJECT',
            'weir-dlq-source-timestamp': String(500 + n),
          },
        })),
      );
      expect(await ctx.storage.deadLetters.range(dlqTopic.id, 0, 0, 10)).toEqual(
        [0, 1].map((offset) => ({
          topicId: dlqTopic.id,
          partition: 0,
          offset,
          reason: 'CLIENT_REJECT',
          deadLetteredAtMs: 9002 + offset,
          sourceTopic: 'jobs',
          sourcePartition: 0,
          sourceOffset: 2 + offset,
          redrivenAtMs: null,
          redrivenTo: null,
        })),
      );
      expect(await ctx.storage.deadLetters.summaries()).toEqual([
        { topicId: dlqTopic.id, reason: 'CLIENT_REJECT', records: 2, oldestAtMs: 9002 },
      ]);
      await ctx.storage.log.truncateHead(dlqTopic.id, 0, 1);
      expect(
        (await ctx.storage.deadLetters.range(dlqTopic.id, 0, 0, 10)).map((r) => r.offset),
      ).toEqual([1]);
    });

    it('changes nothing at all when a dead-letter target partition does not exist', async () => {
      const { write, deadLetter, load, dlqTopic } = await setUp(ctx.storage);
      await ctx.storage.shares.write([write([batch(0, 9, STATE.ACQUIRED, 1)])], []);
      const failed = ctx.storage.shares.write(
        [write([batch(0, 1, STATE.ARCHIVED, 1)], { startOffset: 0 })],
        [deadLetter(0), { ...deadLetter(1), target: { topicId: dlqTopic.id, partition: 3 } }],
      );
      await expect(failed).rejects.toBeInstanceOf(MissingPartitionError);
      expect((await load()).batches).toEqual([batch(0, 9, STATE.ACQUIRED, 1)]);
      expect((await ctx.storage.log.readPage(dlqTopic.id, 0, 0, 10, 1 << 20)).count).toBe(0);
      expect(await ctx.storage.deadLetters.range(dlqTopic.id, 0, 0, 10)).toEqual([]);
    });

    it('redrives a dead-letter record once, even with two redrives in flight; a later one answers null', async () => {
      const { write, deadLetter, jobs, dlqTopic } = await setUp(ctx.storage);
      await ctx.storage.shares.write([write([batch(4, 4, STATE.ARCHIVED, 5)])], [deadLetter(4)]);
      const item = {
        from: { topicId: dlqTopic.id, partition: 0, offset: 0 },
        to: { topicId: jobs.id, partition: 0 },
        record: record(
          { key: 'k4', value: { n: 4 }, headers: { 'weir-redrive-of': 'dlq/0/0' } },
          12_000,
        ),
      };
      const [first, second] = await Promise.all([
        ctx.storage.deadLetters.redrive([item], 12_000),
        ctx.storage.deadLetters.redrive([item], 12_000),
      ]);
      const answers = [...first, ...second];
      expect(answers.filter((offset) => offset !== null)).toEqual([10]);
      expect(answers.filter((offset) => offset === null)).toHaveLength(1);
      expect(await ctx.storage.deadLetters.redrive([item], 13_000)).toEqual([null]);
      const [row] = await ctx.storage.deadLetters.range(dlqTopic.id, 0, 0, 1);
      expect(row).toMatchObject({ redrivenAtMs: 12_000, redrivenTo: 'jobs/0/10' });
      const copy = await ctx.storage.log.readPage(jobs.id, 0, 10, 10, 1 << 20);
      expect(offsetsOf(copy)).toEqual([10]);
      expect(served(copy)[0]).toMatchObject({
        value: { n: 4 },
        headers: { 'weir-redrive-of': 'dlq/0/0' },
      });
    });
  });
}
