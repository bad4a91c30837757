import { NotPartitionOwnerError } from '../../src/cluster/lease-store';
import { PartitionBoundsMirror } from '../../src/persistence/partition-bounds-mirror';
import type { SharePartitionWrite } from '../../src/persistence/port/share-storage';
import type { FenceToken } from '../../src/persistence/port/write-fence';
import { PostgresLeaseStore } from '../../src/persistence/postgres/postgres-lease-store';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { TransactionRunner, WorkMode } from '../../src/persistence/postgres/transaction-runner';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';
import { openRunner } from './lease-fixtures';

const LONG_LEASE_MS = 60_000;

describe('the write fence of the PostgreSQL adapter', () => {
  const databases = new PostgresDatabases();
  let storage: PostgresStorage;
  let runner: TransactionRunner;
  let leases: PostgresLeaseStore;
  let topicId: number;
  let groupId: number;
  /** What this node believes it holds: partition → token (absent: it does not serve it). */
  let held: Map<number, FenceToken>;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    const url = await databases.fresh();
    storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('orders', 2, TOPIC_CONFIG, 1)).id;
    groupId = (await storage.catalogue.createShareGroup('workers', '{}', 1, [])).id;
    runner = openRunner(url);
    leases = new PostgresLeaseStore(runner);
    held = new Map();
    storage.setWriteFence((_topic, partition) => {
      const token = held.get(partition);
      if (!token) throw new NotPartitionOwnerError(topicId, partition);
      return token;
    });
  });
  afterEach(() => runner.close());

  const take = async (nodeId: string, partition: number) => {
    const [granted] = await leases.acquire(nodeId, [{ topicId, partition }], LONG_LEASE_MS);
    return granted!.epoch;
  };
  const expire = (partition: number) =>
    runner.run(WorkMode.WRITE, (client) =>
      client.query(
        "UPDATE partition_leases SET expires_at = now() - interval '1 second' WHERE topic_id = $1 AND partition = $2",
        [topicId, partition],
      ),
    );
  const logEnds = async () => (await storage.log.bounds()).map((b) => b.logEndOffset);
  const append = (...partitions: number[]) =>
    storage.log.append(
      partitions.map((partition) => ({ topicId, partition, records: [jsonRecord(partition)] })),
    );
  const shareWrite = (partition: number, endOffset: number): SharePartitionWrite => ({
    groupId,
    topicId,
    partition,
    startOffset: 0,
    endOffset,
    resetAll: false,
    batches: [],
  });
  const storedEnds = async () =>
    (await storage.shares.load(groupId)).map((p) => [p.partition, p.endOffset]);

  it('commits appends and share writes made with the epoch this node holds', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    held.set(1, { nodeId: 'node-a', epoch: await take('node-a', 1) });
    expect(await append(0, 1, 0)).toEqual([0, 0, 1]);
    expect((await storage.log.truncateHead(topicId, 0, 1)).logStartOffset).toBe(1);
    await storage.shares.write([shareWrite(0, 2), shareWrite(1, 1)], []);
    expect(await logEnds()).toEqual([2, 1]);
    expect(await storedEnds()).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it('refuses a write with a stale epoch with NOT_PARTITION_OWNER and changes nothing, in any partition of it', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    held.set(1, { nodeId: 'node-a', epoch: await take('node-a', 1) });
    await append(0, 1);
    await storage.shares.write([shareWrite(0, 1)], []);
    await expire(1);
    const newEpoch = await take('node-b', 1);
    expect(newEpoch).toBe(2);

    // node-a still believes it holds partition 1 at epoch 1 (a frozen node that woke up).
    await expect(append(0, 1)).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      partition: 1,
      current: { owner: 'node-b', epoch: 2 },
    });
    await expect(
      storage.shares.write([shareWrite(0, 2), shareWrite(1, 1)], []),
    ).rejects.toMatchObject({ code: 'NOT_PARTITION_OWNER' });
    expect(await logEnds()).toEqual([1, 1]);
    expect(await storedEnds()).toEqual([[0, 1]]);

    // The new owner writes with the new epoch.
    held.set(1, { nodeId: 'node-b', epoch: newEpoch });
    expect(await append(1)).toEqual([1]);
  });

  it('fails only the appends that touch a fenced partition among appends committed together, and the bounds mirror adopts only what committed', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    held.set(1, { nodeId: 'node-a', epoch: await take('node-a', 1) });
    await expire(1);
    await take('node-b', 1);
    const mirror = await PartitionBoundsMirror.load(storage);

    // node-a still believes it holds partition 1 at epoch 1; 40 appends in flight at once.
    const shapes = Array.from({ length: 40 }, (_x, i) =>
      i % 4 === 1 ? [1] : i % 4 === 3 ? [0, 1] : [0],
    );
    const outcomes = await Promise.allSettled(shapes.map((partitions) => append(...partitions)));

    outcomes.forEach((outcome, i) => {
      if (shapes[i]!.includes(1)) {
        expect(outcome).toMatchObject({
          status: 'rejected',
          reason: { code: 'NOT_PARTITION_OWNER', partition: 1 },
        });
      } else {
        expect(outcome.status).toBe('fulfilled');
      }
    });
    const bases = outcomes
      .filter((o): o is PromiseFulfilledResult<number[]> => o.status === 'fulfilled')
      .map((o) => o.value[0]!)
      .sort((a, b) => a - b);
    expect(bases).toEqual(Array.from({ length: 20 }, (_x, i) => i));
    expect(await logEnds()).toEqual([20, 0]);
    expect(mirror.partitionState(topicId, 0)?.logEndOffset).toBe(20);
    expect(mirror.partitionState(topicId, 1)?.logEndOffset).toBe(0);
    const page = await storage.log.readPage(topicId, 1, 0, 10, 1 << 20);
    expect(page.count).toBe(0);
  });

  it('refuses a write to a lease that expired by database time, though the node still holds its epoch', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    await expire(0);
    await expect(append(0)).rejects.toMatchObject({ code: 'NOT_PARTITION_OWNER' });
    expect(await logEnds()).toEqual([0, 0]);
  });

  it('writes nothing when the node itself says it does not serve the partition', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    await expect(append(0, 1)).rejects.toBeInstanceOf(NotPartitionOwnerError);
    expect(await logEnds()).toEqual([0, 0]);
  });

  it('lets any node truncate the head (a purge): the log start only moves forward, under the row lock', async () => {
    held.set(0, { nodeId: 'node-a', epoch: await take('node-a', 0) });
    await append(0, 0);
    held.clear();
    expect((await storage.log.truncateHead(topicId, 0, 1)).logStartOffset).toBe(1);
    expect((await storage.log.truncateHead(topicId, 0, 0)).logStartOffset).toBe(1);
  });

  it('does not fence without a fence (a single node), nor a partition the fence answers null for', async () => {
    storage.setWriteFence(null);
    expect(await append(0, 1)).toEqual([0, 0]);
    storage.setWriteFence(() => null);
    expect(await append(0)).toEqual([1]);
  });
});
