import { NotGroupCoordinatorError } from '../../src/cluster/group-lease-store';
import { PostgresGroupLeases } from '../../src/persistence/postgres/postgres-group-leases';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { TransactionRunner, WorkMode } from '../../src/persistence/postgres/transaction-runner';
import { PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';
import { openRunner } from './lease-fixtures';

const LONG_LEASE_MS = 60_000;

describe('the coordinator lease fence of committed offsets on PostgreSQL', () => {
  const databases = new PostgresDatabases();
  let storage: PostgresStorage;
  let runner: TransactionRunner;
  let leases: PostgresGroupLeases;
  let topicId: number;
  /** The group lease this node believes it holds (absent: it does not coordinate). */
  let held: { nodeId: string; epoch: number } | undefined;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    const url = await databases.fresh();
    storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('orders', 2, TOPIC_CONFIG, 1)).id;
    runner = openRunner(url);
    leases = new PostgresGroupLeases(runner);
    held = undefined;
    storage.setGroupFence((group) => {
      if (!held) throw new NotGroupCoordinatorError(group);
      return held;
    });
  });
  afterEach(() => runner.close());

  const take = async (nodeId: string) => {
    const [granted] = await leases.acquire(nodeId, ['billing'], LONG_LEASE_MS);
    return granted?.epoch;
  };
  const expire = () =>
    runner.run(WorkMode.WRITE, (client) =>
      client.query("UPDATE group_leases SET expires_at = now() - interval '1 second'"),
    );
  const commit = (offset: number) =>
    storage.offsets.commit('billing', [{ topicId, partition: 0, offset }], 1);
  const committed = async () =>
    (await storage.offsets.list()).map((row) => [row.group, row.committedOffset]);

  it('commits offsets written under the group lease this node holds', async () => {
    held = { nodeId: 'node-a', epoch: (await take('node-a'))! };
    expect(held.epoch).toBe(1);
    await commit(0);
    expect(await committed()).toEqual([['billing', 0]]);
  });

  it('refuses a commit and a group deletion from a coordinator whose lease another node took (epoch + 1)', async () => {
    held = { nodeId: 'node-a', epoch: (await take('node-a'))! };
    await commit(0);
    await expire();
    expect(await take('node-b')).toBe(2);
    await expect(commit(0)).rejects.toBeInstanceOf(NotGroupCoordinatorError);
    await expect(commit(0)).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      details: { owner: 'node-b', epoch: 2 },
    });
    await expect(storage.offsets.deleteGroup('billing')).rejects.toBeInstanceOf(
      NotGroupCoordinatorError,
    );
    expect(await committed()).toEqual([['billing', 0]]);
  });

  it('refuses a commit under a lease that expired by database time, even if no one took it', async () => {
    held = { nodeId: 'node-a', epoch: (await take('node-a'))! };
    await expire();
    await expect(commit(0)).rejects.toBeInstanceOf(NotGroupCoordinatorError);
    expect(await committed()).toEqual([]);
  });

  it('refuses a commit of a node that does not coordinate the group, before touching the database', async () => {
    await expect(commit(0)).rejects.toBeInstanceOf(NotGroupCoordinatorError);
    expect(await committed()).toEqual([]);
  });

  it('takes a group lease only when it is free or expired, renews and releases only at its epoch', async () => {
    expect(await take('node-a')).toBe(1);
    expect(await take('node-b')).toBeUndefined();
    expect(await leases.renew('node-b', [{ group: 'billing', epoch: 1 }], LONG_LEASE_MS)).toEqual(
      [],
    );
    expect(await leases.renew('node-a', [{ group: 'billing', epoch: 1 }], LONG_LEASE_MS)).toEqual([
      expect.objectContaining({ group: 'billing', epoch: 1 }),
    ]);
    expect(await leases.release('node-a', [{ group: 'billing', epoch: 1 }])).toHaveLength(1);
    expect(await take('node-b')).toBe(2);
    expect(await leases.table()).toEqual([
      { group: 'billing', owner: 'node-b', epoch: 2, expired: false },
    ]);
  });

  it('writes without a fence on a node that does not coordinate groups (a single node)', async () => {
    storage.setGroupFence(null);
    await commit(0);
    expect(await committed()).toEqual([['billing', 0]]);
  });
});
