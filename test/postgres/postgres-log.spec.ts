import { MissingPartitionError, RecordPage } from '../../src/persistence/port/log-storage';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';

const fragments = (page: RecordPage): string[] =>
  Array.from({ length: page.count }, (_, i) =>
    page.wire.toString('utf8', page.wireStarts[i], page.wireStarts[i + 1]),
  );

const values = (page: RecordPage): unknown[] =>
  fragments(page).map((f) => (JSON.parse(`{${f}}`) as { value: unknown }).value);

describe('PostgresStorage: the log', () => {
  const databases = new PostgresDatabases();
  let storage: PostgresStorage;
  let url: string;
  let topicId: number;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    url = await databases.fresh();
    storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('orders', 3, TOPIC_CONFIG, 1)).id;
  });

  it('gives concurrent appends from two nodes on one database dense offsets: no gap, no duplicate', async () => {
    const other = await databases.open(url);
    const nodes = [storage, other];
    // Half of the requests name partition 1 first: locks are still taken in one order.
    const appends = Array.from({ length: 60 }, async (_, i) => {
      const zero = { topicId, partition: 0, records: [jsonRecord(`a${i}`), jsonRecord(`b${i}`)] };
      const one = { topicId, partition: 1, records: [jsonRecord(`c${i}`)] };
      if (i % 3 === 0) return nodes[i % 2]!.log.append([zero, one]);
      const [oneBase, zeroBase] = await nodes[i % 2]!.log.append([one, zero]);
      return [zeroBase!, oneBase!];
    });
    const bases = await Promise.all(appends);

    const zeroBases = bases.map(([base]) => base!).sort((a, b) => a - b);
    expect(zeroBases).toEqual(Array.from({ length: 60 }, (_, i) => i * 2));
    const oneBases = bases.map(([, base]) => base!).sort((a, b) => a - b);
    expect(oneBases).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const zeroPage = await other.log.readPage(topicId, 0, 0, 1000, 1e9);
    const onePage = await storage.log.readPage(topicId, 1, 0, 1000, 1e9);
    expect(Array.from(zeroPage.offsets)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    bases.forEach(([zeroBase, oneBase], i) => {
      expect(values(zeroPage)[zeroBase!]).toBe(`a${i}`);
      expect(values(zeroPage)[zeroBase! + 1]).toBe(`b${i}`);
      expect(values(onePage)[oneBase!]).toBe(`c${i}`);
    });
  });

  it('appends nothing when one partition of the request does not exist', async () => {
    const attempt = storage.log.append([
      { topicId, partition: 0, records: [jsonRecord(1)] },
      { topicId, partition: 7, records: [jsonRecord(2)] },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(MissingPartitionError);
    await expect(attempt).rejects.toMatchObject({ topicId, partition: 7 });
    const bounds = await storage.log.bounds();
    expect(bounds.map((b) => b.logEndOffset)).toEqual([0, 0, 0]);
    expect((await storage.log.readPage(topicId, 0, 0, 10, 1e9)).count).toBe(0);
  });

  it('gives several batches of one partition in one append consecutive ranges in request order', async () => {
    const bases = await storage.log.append([
      { topicId, partition: 2, records: [jsonRecord(1), jsonRecord(2)] },
      { topicId, partition: 0, records: [jsonRecord(3)] },
      { topicId, partition: 2, records: [jsonRecord(4)] },
    ]);
    expect(bases).toEqual([0, 0, 2]);
    expect(values(await storage.log.readPage(topicId, 2, 0, 10, 1e9))).toEqual([1, 2, 4]);
  });

  it('reads a page up to maxRecords, within maxBytes, and always at least one record', async () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      jsonRecord('x'.repeat(8), { timestampMs: 100 + i }),
    );
    await storage.log.append([{ topicId, partition: 0, records }]);
    const size = records[0]!.sizeBytes;

    const limited = await storage.log.readPage(topicId, 0, 2, 3, 1e9);
    expect(Array.from(limited.offsets)).toEqual([2, 3, 4]);
    expect(Array.from(limited.timestamps)).toEqual([102, 103, 104]);
    expect(Array.from(limited.sizes)).toEqual([size, size, size]);
    expect(limited.wireStarts.length).toBe(4);
    expect(fragments(limited)[0]).toBe(records[2]!.wire);

    const byBytes = await storage.log.readPage(topicId, 0, 0, 10, size * 4 + 1);
    expect(byBytes.count).toBe(4);
    const atLeastOne = await storage.log.readPage(topicId, 0, 5, 10, 1);
    expect(Array.from(atLeastOne.offsets)).toEqual([5]);
    expect((await storage.log.readPage(topicId, 0, 10, 10, 1e9)).count).toBe(0);
  });

  it('serves fragments byte for byte, including multi-byte text', async () => {
    const record = jsonRecord(
      { text: 'zürich ✓ 東京' },
      { key: 'clé', headers: { 'trace-id': 'ü' } },
    );
    await storage.log.append([{ topicId, partition: 1, records: [record] }]);
    const page = await storage.log.readPage(topicId, 1, 0, 1, 1e9);
    expect(page.wire.equals(Buffer.from(record.wire))).toBe(true);
  });

  it('reads the records at exactly the offsets asked that still exist', async () => {
    await storage.log.append([
      { topicId, partition: 0, records: Array.from({ length: 6 }, (_, i) => jsonRecord(i)) },
    ]);
    await storage.log.truncateHead(topicId, 0, 2);
    const page = await storage.log.readOffsets(topicId, 0, [1, 3, 5, 9]);
    expect(Array.from(page.offsets)).toEqual([3, 5]);
    expect(values(page)).toEqual([3, 5]);
  });

  it('reports bounds and bytes of every partition', async () => {
    const records = [jsonRecord('abc'), jsonRecord('defg')];
    await storage.log.append([{ topicId, partition: 1, records }]);
    expect(await storage.log.bounds()).toEqual([
      { topicId, partition: 0, logStartOffset: 0, logEndOffset: 0, bytes: 0 },
      {
        topicId,
        partition: 1,
        logStartOffset: 0,
        logEndOffset: 2,
        bytes: records[0]!.sizeBytes + records[1]!.sizeBytes,
      },
      { topicId, partition: 2, logStartOffset: 0, logEndOffset: 0, bytes: 0 },
    ]);
  });

  it('summarises offsets, times and sizes from an offset on, up to a limit', async () => {
    const records = [1, 22, 333].map((v, i) => jsonRecord(v, { timestampMs: 10 * i }));
    await storage.log.append([{ topicId, partition: 0, records }]);
    expect(await storage.log.summaries(topicId, 0, 1, 5)).toEqual([
      { offset: 1, timestampMs: 10, sizeBytes: 2 },
      { offset: 2, timestampMs: 20, sizeBytes: 3 },
    ]);
    expect(await storage.log.summaries(topicId, 0, 0, 1)).toHaveLength(1);
  });

  it('truncates the head: records below go, bytes follow, never past the log end nor backwards', async () => {
    const records = Array.from({ length: 5 }, (_, i) => jsonRecord(i));
    await storage.log.append([{ topicId, partition: 0, records }]);
    const bounds = await storage.log.truncateHead(topicId, 0, 3);
    expect(bounds).toEqual({
      topicId,
      partition: 0,
      logStartOffset: 3,
      logEndOffset: 5,
      bytes: records[3]!.sizeBytes + records[4]!.sizeBytes,
    });
    expect(Array.from((await storage.log.readPage(topicId, 0, 0, 10, 1e9)).offsets)).toEqual([
      3, 4,
    ]);
    expect((await storage.log.truncateHead(topicId, 0, 1)).logStartOffset).toBe(3);
    const past = await storage.log.truncateHead(topicId, 0, 99);
    expect(past).toMatchObject({ logStartOffset: 5, logEndOffset: 5, bytes: 0 });
    expect(await storage.log.append([{ topicId, partition: 0, records: [jsonRecord(5)] }])).toEqual(
      [5],
    );
    await expect(storage.log.truncateHead(topicId, 9, 1)).rejects.toBeInstanceOf(
      MissingPartitionError,
    );
  });

  it('finds the first offset, in offset order, whose timestamp is at or after a time', async () => {
    const times = [100, 300, 200, 400];
    await storage.log.append([
      { topicId, partition: 0, records: times.map((t) => jsonRecord(t, { timestampMs: t })) },
    ]);
    expect(await storage.log.offsetAtTime(topicId, 0, 150)).toBe(1);
    expect(await storage.log.offsetAtTime(topicId, 0, 100)).toBe(0);
    expect(await storage.log.offsetAtTime(topicId, 0, 401)).toBeNull();
  });

  it('keeps every appended record across close and reopen', async () => {
    await storage.log.append([{ topicId, partition: 2, records: [jsonRecord('kept')] }]);
    await storage.log.truncateHead(topicId, 2, 0);
    await storage.close();
    const reopened = await databases.open(url);
    expect(values(await reopened.log.readPage(topicId, 2, 0, 10, 1e9))).toEqual(['kept']);
    expect(
      await reopened.log.append([{ topicId, partition: 2, records: [jsonRecord('next')] }]),
    ).toEqual([1]);
  });

  it('finishes a call in flight at close and rejects every call after it', async () => {
    const inFlight = storage.log.append([{ topicId, partition: 0, records: [jsonRecord(1)] }]);
    await storage.close();
    await expect(inFlight).resolves.toEqual([0]);
    await expect(storage.log.bounds()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await expect(
      storage.log.append([{ topicId, partition: 0, records: [jsonRecord(2)] }]),
    ).rejects.toThrow(/closed/);
    await expect(storage.checkWritable()).rejects.toThrow(/closed/);
  });
});
