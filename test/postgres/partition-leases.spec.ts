import { partitionKeyOf } from '../../src/cluster/lease-store';
import { assertLease } from '../../src/persistence/postgres/lease-fence';
import { appendBatches } from '../../src/persistence/postgres/record-rows';
import { WorkMode } from '../../src/persistence/postgres/transaction-runner';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';
import { LeaseCluster, openRunner, PausableClock } from './lease-fixtures';

const LEASE_MS = 500;
const NODES = ['node-a', 'node-b', 'node-c'];

describe('partition leases: three keepers on one database', () => {
  const databases = new PostgresDatabases();
  let url: string;
  let topicId: number;
  let cluster: LeaseCluster;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    url = await databases.fresh();
    const storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('orders', 12, TOPIC_CONFIG, 1)).id;
    cluster = new LeaseCluster(url, LEASE_MS);
  });
  afterEach(async () => {
    await cluster.stop();
    // Every gain was matched by a loss; no two beliefs about one partition overlapped.
    expect(cluster.beliefs.every((belief) => belief.untilMs !== null)).toBe(true);
    cluster.expectNoOverlap();
  });

  const startAll = async (): Promise<void> => {
    await Promise.all(NODES.map((id) => cluster.start(id)));
    await cluster.waitFor(() => cluster.spreadIs([4, 4, 4]), 10_000, '4/4/4');
  };

  /** Appends one record to the partition inside a transaction fenced at `epoch`. */
  const fencedAppend = async (nodeId: string, partition: number, epoch: number) => {
    const runner = openRunner(url);
    try {
      return await runner.run(WorkMode.WRITE, async (client) => {
        await assertLease(client, topicId, partition, nodeId, epoch);
        return appendBatches(client, [{ topicId, partition, records: [jsonRecord(nodeId)] }]);
      });
    } finally {
      await runner.close();
    }
  };

  it('spreads twelve partitions 4/4/4 over three keepers, each at its first epoch', async () => {
    await startAll();
    const owned = [...cluster.keepers.values()].flatMap((keeper) => keeper.leases());
    expect(new Set(owned.map(partitionKeyOf)).size).toBe(12);
    for (const lease of owned) expect(lease.epoch).toBeGreaterThanOrEqual(1);
    expect(cluster.errors).toEqual([]);
  });

  it("gives a crashed keeper's partitions to the others within two lease periods, at a higher epoch", async () => {
    await startAll();
    const crashed = cluster.keepers.get('node-c')!;
    const before = new Map(crashed.leases().map((lease) => [partitionKeyOf(lease), lease.epoch]));
    const crashedAtMs = Date.now();
    await crashed.close({ release: false });
    cluster.keepers.delete('node-c');

    await cluster.waitFor(() => cluster.spreadIs([6, 6]), 10_000, 'takeover');
    const takeoverMs = Date.now() - crashedAtMs;
    console.log(
      `takeover of a crashed keeper's partitions: ${takeoverMs} ms (lease ${LEASE_MS} ms)`,
    );
    expect(takeoverMs).toBeLessThan(2 * LEASE_MS);
    const now = [...cluster.keepers.values()].flatMap((keeper) => keeper.leases());
    for (const [key, epoch] of before) {
      expect(now.find((lease) => partitionKeyOf(lease) === key)!.epoch).toBeGreaterThan(epoch);
    }
  });

  it('gives a keeper that comes back its share again, each partition drained before it is handed over', async () => {
    await startAll();
    await cluster.keepers.get('node-c')!.close({ release: false });
    cluster.keepers.delete('node-c');
    await cluster.waitFor(() => cluster.spreadIs([6, 6]), 10_000, 'takeover');

    const handedOverBefore = cluster.handedOver.length;
    const back = await cluster.start('node-c');
    await cluster.waitFor(() => cluster.spreadIs([4, 4, 4]), 10_000, 'rebalance');
    expect(back.leases()).toHaveLength(4);
    const handedOver = cluster.handedOver.slice(handedOverBefore);
    expect(handedOver).toHaveLength(4);
    for (const lease of handedOver) expect(cluster.drained).toContain(lease);
    expect(cluster.errors).toEqual([]);
  });

  it('refuses the stale epoch of a frozen keeper whose leases were taken over', async () => {
    await startAll();
    const clock = new PausableClock();
    const frozenId = 'node-d';
    await cluster.keepers.get('node-c')!.close({ release: true });
    cluster.keepers.delete('node-c');
    const frozen = await cluster.start(frozenId, clock);
    await cluster.waitFor(() => cluster.spreadIs([4, 4, 4]), 10_000, 'node-d joined');
    const [lease] = frozen.leases();
    const { partition } = lease!;
    const staleEpoch = frozen.fence(topicId, partition);

    clock.pause();
    const taken = () =>
      ['node-a', 'node-b'].some((id) =>
        cluster.keepers
          .get(id)!
          .leases()
          .some((l) => l.partition === partition && l.epoch > staleEpoch),
      );
    await cluster.waitFor(taken, 10_000, 'takeover of the frozen keeper');

    await expect(fencedAppend(frozenId, partition, staleEpoch)).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      current: { epoch: staleEpoch + 1 },
    });
    const owner = ['node-a', 'node-b'].find((id) =>
      cluster.keepers
        .get(id)!
        .leases()
        .some((l) => l.partition === partition),
    )!;
    const epoch = cluster.keepers.get(owner)!.fence(topicId, partition);
    await expect(fencedAppend(owner, partition, epoch)).resolves.toEqual([0]);

    // Woken up: its own clock says the lease lapsed, before it reaches the database.
    clock.resume();
    expect(() => frozen.fence(topicId, partition)).toThrow(/does not own/);
    await cluster.waitFor(() => cluster.spreadIs([4, 4, 4]), 10_000, 'rebalance after waking');
    expect(frozen.fence(topicId, frozen.leases()[0]!.partition)).toBeGreaterThan(0);
  });

  it('never lets two keepers believe they own a partition at overlapping times', async () => {
    await startAll();
    for (let round = 0; round < 2; round++) {
      const id = NODES[round]!;
      await cluster.keepers.get(id)!.close({ release: round % 2 === 0 });
      cluster.keepers.delete(id);
      await cluster.waitFor(() => cluster.spreadIs([6, 6]), 10_000, `without ${id}`);
      await cluster.start(id);
      await cluster.waitFor(() => cluster.spreadIs([4, 4, 4]), 10_000, `with ${id} again`);
    }
    const epochs = new Set(cluster.beliefs.map((b) => `${b.key}@${b.epoch}`));
    expect(epochs.size).toBe(cluster.beliefs.length);
  });
});
