import { MissingPartitionError, RecordPage } from '../../src/persistence/port/log-storage';
import type {
  DeadLetterAppend,
  SharePartitionWrite,
  ShareStateBatch,
} from '../../src/persistence/port/share-storage';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';

const run = (
  firstOffset: number,
  lastOffset: number,
  state: number,
  more: Partial<ShareStateBatch> = {},
): ShareStateBatch => ({
  firstOffset,
  lastOffset,
  state,
  deliveryCount: 1,
  memberId: null,
  token: null,
  acquiredAtMs: null,
  lockExpiresAtMs: null,
  availableAtMs: null,
  ...more,
});

const parse = (page: RecordPage, i: number) =>
  JSON.parse(`{${page.wire.toString('utf8', page.wireStarts[i], page.wireStarts[i + 1])}}`) as {
    timestampMs: number;
    key?: string;
    value?: unknown;
    headers: Record<string, string>;
  };

describe('PostgresStorage: share state and dead letters', () => {
  const databases = new PostgresDatabases();
  let storage: PostgresStorage;
  let url: string;
  let topicId: number;
  let dlqId: number;
  let groupId: number;

  const write = (more: Partial<SharePartitionWrite>): SharePartitionWrite => ({
    groupId,
    topicId,
    partition: 0,
    startOffset: 0,
    endOffset: 10,
    resetAll: false,
    batches: [],
    ...more,
  });

  const deadLetter = (offset: number, more: Partial<DeadLetterAppend> = {}): DeadLetterAppend => ({
    source: { topicId, partition: 0, offset, topicName: 'jobs' },
    target: { topicId: dlqId, partition: 0 },
    lineage: [
      ['weir-dlq-source-offset', String(offset)],
      ['weir-dlq-reason', 'CLIENT_REJECT'],
    ],
    reason: 'CLIENT_REJECT',
    deadLetteredAtMs: 5000 + offset,
    ...more,
  });

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    url = await databases.fresh();
    storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('jobs', 2, TOPIC_CONFIG, 1)).id;
    dlqId = (await storage.catalogue.createTopic('jobs-dlq', 1, TOPIC_CONFIG, 1)).id;
    groupId = (await storage.catalogue.createShareGroup('workers', '{}', 1, [])).id;
    await storage.log.append([
      {
        topicId,
        partition: 0,
        records: Array.from({ length: 10 }, (_, i) =>
          jsonRecord(
            { job: i },
            { key: `k${i}`, headers: { 'trace-id': `t${i}`, 'weir-dlq-reason': 'old' } },
          ),
        ),
      },
    ]);
  });

  it('loads back the runs it wrote, with holder, token and deadlines, across close and reopen', async () => {
    const held = run(0, 4, 2, {
      deliveryCount: 3,
      memberId: 'm-1',
      token: 'tok',
      acquiredAtMs: 100,
      lockExpiresAtMs: 30_100,
    });
    const later = run(5, 9, 1, { availableAtMs: 700 });
    await storage.shares.write([write({ batches: [held, later] })], []);
    await storage.close();
    const reopened = await databases.open(url);
    expect(await reopened.shares.load(groupId)).toEqual([
      { topicId, partition: 0, startOffset: 0, endOffset: 10, batches: [held, later] },
    ]);
  });

  it('splits stored runs around a batch that replaces part of them', async () => {
    await storage.shares.write([write({ batches: [run(0, 4, 1), run(5, 9, 2)] })], []);
    await storage.shares.write([write({ batches: [run(3, 6, 4, { deliveryCount: 2 })] })], []);
    const [stored] = await storage.shares.load(groupId);
    expect(stored!.batches).toEqual([
      run(0, 2, 1),
      run(3, 6, 4, { deliveryCount: 2 }),
      run(7, 9, 2),
    ]);
    await storage.shares.write([write({ batches: [run(1, 1, 0), run(8, 8, 0)] })], []);
    const [again] = await storage.shares.load(groupId);
    expect(again!.batches.map((b) => [b.firstOffset, b.lastOffset, b.state])).toEqual([
      [0, 0, 1],
      [1, 1, 0],
      [2, 2, 1],
      [3, 6, 4],
      [7, 7, 2],
      [8, 8, 0],
      [9, 9, 2],
    ]);
  });

  it('drops state below the start offset and trims a run that straddles it', async () => {
    await storage.shares.write(
      [write({ batches: [run(0, 2, 1), run(3, 7, 2), run(8, 9, 1)] })],
      [],
    );
    await storage.shares.write([write({ startOffset: 5 })], []);
    expect(await storage.shares.load(groupId)).toEqual([
      {
        topicId,
        partition: 0,
        startOffset: 5,
        endOffset: 10,
        batches: [run(5, 7, 2), run(8, 9, 1)],
      },
    ]);
  });

  it('forgets every stored run on a reset before writing the new ones', async () => {
    await storage.shares.write([write({ batches: [run(0, 9, 2)] })], []);
    await storage.shares.write(
      [write({ resetAll: true, startOffset: 2, batches: [run(4, 4, 1)] })],
      [],
    );
    const [stored] = await storage.shares.load(groupId);
    expect(stored).toMatchObject({ startOffset: 2, batches: [run(4, 4, 1)] });
  });

  it('writes several share partitions at once and refuses, changing nothing, when one does not exist', async () => {
    await storage.shares.write(
      [write({ partition: 1, endOffset: 0 }), write({ batches: [run(0, 0, 1)] })],
      [],
    );
    expect((await storage.shares.load(groupId)).map((p) => p.partition)).toEqual([0, 1]);
    const attempt = storage.shares.write(
      [write({ batches: [run(0, 0, 3)] }), write({ partition: 4 })],
      [],
    );
    await expect(attempt).rejects.toBeInstanceOf(MissingPartitionError);
    await expect(attempt).rejects.toMatchObject({ partition: 4 });
    expect((await storage.shares.load(groupId))[0]!.batches).toEqual([run(0, 0, 1)]);
  });

  it('appends dead-letter copies with lineage and their index rows in the transaction of the share write', async () => {
    const offsets = await storage.shares.write(
      [write({ startOffset: 4, batches: [run(4, 4, 4)] })],
      [deadLetter(2), deadLetter(3, { reason: 'DELIVERY_COUNT_EXCEEDED' })],
    );
    expect(offsets).toEqual([0, 1]);
    const page = await storage.log.readPage(dlqId, 0, 0, 10, 1e9);
    expect(page.count).toBe(2);
    expect(parse(page, 0)).toEqual({
      timestampMs: 5002,
      key: 'k2',
      value: { job: 2 },
      headers: {
        'trace-id': 't2',
        'weir-dlq-source-offset': '2',
        'weir-dlq-reason': 'CLIENT_REJECT',
        'weir-dlq-source-timestamp': '1700000000000',
      },
    });
    expect(page.sizes[0]).toBe(
      Buffer.byteLength('k2') +
        Buffer.byteLength('{"job":2}') +
        Buffer.byteLength(
          'trace-idt2weir-dlq-source-offset2weir-dlq-reasonCLIENT_REJECTweir-dlq-source-timestamp1700000000000',
        ),
    );
    expect(await storage.deadLetters.range(dlqId, 0, 0, 10)).toEqual([
      expect.objectContaining({
        offset: 0,
        reason: 'CLIENT_REJECT',
        sourceTopic: 'jobs',
        sourceOffset: 2,
        redrivenAtMs: null,
      }),
      expect.objectContaining({
        offset: 1,
        reason: 'DELIVERY_COUNT_EXCEEDED',
        sourceOffset: 3,
        deadLetteredAtMs: 5003,
      }),
    ]);
    expect(await storage.deadLetters.summaries()).toEqual([
      { topicId: dlqId, reason: 'CLIENT_REJECT', records: 1, oldestAtMs: 5002 },
      { topicId: dlqId, reason: 'DELIVERY_COUNT_EXCEEDED', records: 1, oldestAtMs: 5003 },
    ]);
  });

  it('rolls the share write back when a dead-letter copy cannot be appended', async () => {
    await storage.shares.write([write({ batches: [run(0, 9, 2)] })], []);
    const attempt = storage.shares.write(
      [write({ startOffset: 3, batches: [run(3, 3, 4)] })],
      [deadLetter(1), deadLetter(2, { target: { topicId: dlqId, partition: 6 } })],
    );
    await expect(attempt).rejects.toBeInstanceOf(MissingPartitionError);
    expect((await storage.shares.load(groupId))[0]).toMatchObject({
      startOffset: 0,
      batches: [run(0, 9, 2)],
    });
    expect((await storage.log.bounds()).find((b) => b.topicId === dlqId)?.logEndOffset).toBe(0);
    expect(await storage.deadLetters.range(dlqId, 0, 0, 10)).toEqual([]);
  });

  it('copies a source record deleted by retention as lineage only', async () => {
    await storage.log.truncateHead(topicId, 0, 5);
    await storage.shares.write([], [deadLetter(1)]);
    const page = await storage.log.readPage(dlqId, 0, 0, 1, 1e9);
    expect(parse(page, 0)).toEqual({
      timestampMs: 5001,
      headers: { 'weir-dlq-source-offset': '1', 'weir-dlq-reason': 'CLIENT_REJECT' },
    });
  });

  it('redrives a dead letter once: a repeated redrive appends nothing', async () => {
    await storage.shares.write([], [deadLetter(0), deadLetter(1)]);
    const item = (offset: number) => ({
      from: { topicId: dlqId, partition: 0, offset },
      to: { topicId, partition: 1 },
      record: jsonRecord({ redriven: offset }),
    });
    expect(await storage.deadLetters.redrive([item(0), item(0), item(7)], 900)).toEqual([
      0,
      null,
      null,
    ]);
    expect(await storage.deadLetters.redrive([item(0), item(1)], 901)).toEqual([null, 1]);
    expect((await storage.log.readPage(topicId, 1, 0, 10, 1e9)).count).toBe(2);
    const rows = await storage.deadLetters.range(dlqId, 0, 0, 2);
    expect(rows.map((r) => [r.redrivenAtMs, r.redrivenTo])).toEqual([
      [900, 'jobs/1/0'],
      [901, 'jobs/1/1'],
    ]);
  });

  it('counts only dead letters at or above the log start, and drops index rows with the head', async () => {
    await storage.shares.write([], [deadLetter(0), deadLetter(1), deadLetter(2)]);
    await storage.log.truncateHead(dlqId, 0, 2);
    expect(await storage.deadLetters.summaries()).toEqual([
      { topicId: dlqId, reason: 'CLIENT_REJECT', records: 1, oldestAtMs: 5002 },
    ]);
    expect((await storage.deadLetters.range(dlqId, 0, 0, 10)).map((r) => r.offset)).toEqual([2]);
  });
});
