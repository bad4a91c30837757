import { PostgresLeaseStore } from '../../src/persistence/postgres/postgres-lease-store';
import { PostgresNodeRegistry } from '../../src/persistence/postgres/postgres-node-registry';
import { assertLease } from '../../src/persistence/postgres/lease-fence';
import { appendBatches } from '../../src/persistence/postgres/record-rows';
import { TransactionRunner, WorkMode } from '../../src/persistence/postgres/transaction-runner';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';
import { eventually } from '../support/eventually';
import { openRunner } from './lease-fixtures';

const LONG_LEASE_MS = 60_000;

describe('lease rows, the node registry and the write fence', () => {
  const databases = new PostgresDatabases();
  let runner: TransactionRunner;
  let leases: PostgresLeaseStore;
  let registry: PostgresNodeRegistry;
  let topicId: number;
  let url: string;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    url = await databases.fresh();
    const storage = await databases.open(url);
    topicId = (await storage.catalogue.createTopic('orders', 2, TOPIC_CONFIG, 1)).id;
    runner = openRunner(url);
    leases = new PostgresLeaseStore(runner);
    registry = new PostgresNodeRegistry(runner);
  });
  afterEach(() => runner.close());

  /** Ends the partition's lease now, by database time, as if its owner had stopped renewing. */
  const expire = (partition: number) =>
    runner.run(WorkMode.WRITE, (client) =>
      client.query(
        "UPDATE partition_leases SET expires_at = now() - interval '1 second' WHERE topic_id = $1 AND partition = $2",
        [topicId, partition],
      ),
    );

  const fencedAppend = (nodeId: string, epoch: number) =>
    runner.run(WorkMode.WRITE, async (client) => {
      await assertLease(client, topicId, 0, nodeId, epoch);
      return appendBatches(client, [{ topicId, partition: 0, records: [jsonRecord(nodeId)] }]);
    });

  const waitingForLock = () =>
    runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return rows.length > 0;
    });

  const logEnd = async () =>
    runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<{ end: number }>(
        'SELECT log_end_offset AS end FROM partitions WHERE topic_id = $1 AND partition = 0',
        [topicId],
      );
      return rows[0]!.end;
    });

  it('grants a free partition at epoch 1 and an expired one at epoch + 1, never a live one', async () => {
    const [first] = await leases.acquire('node-a', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    expect(first).toMatchObject({ topicId, partition: 0, epoch: 1 });
    expect(first!.expiresAtMs - first!.atMs).toBe(LONG_LEASE_MS);
    expect(await leases.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS)).toEqual([]);
    await expire(0);
    const [second] = await leases.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    expect(second).toMatchObject({ epoch: 2 });
    const table = await leases.table();
    expect(table).toEqual([
      { topicId, partition: 0, lease: { owner: 'node-b', epoch: 2, expired: false } },
      { topicId, partition: 1, lease: null },
    ]);
  });

  it('renews and releases only what the caller still holds at its epoch', async () => {
    await leases.acquire('node-a', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    await expire(0);
    await leases.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    const stale = [{ topicId, partition: 0, epoch: 1 }];
    expect(await leases.renew('node-a', stale, LONG_LEASE_MS)).toEqual([]);
    expect(await leases.release('node-a', stale)).toEqual([]);
    const current = [{ topicId, partition: 0, epoch: 2 }];
    expect(await leases.renew('node-b', current, LONG_LEASE_MS)).toHaveLength(1);
    expect(await leases.release('node-b', current)).toHaveLength(1);
    const [next] = await leases.acquire('node-a', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    expect(next).toMatchObject({ epoch: 3 });
  });

  it('lets the owner append at its epoch and refuses a node whose lease was taken over', async () => {
    await leases.acquire('node-a', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    expect(await fencedAppend('node-a', 1)).toEqual([0]);
    await expire(0);
    await leases.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS);

    await expect(fencedAppend('node-a', 1)).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      current: { owner: 'node-b', epoch: 2 },
    });
    expect(await logEnd()).toBe(1);
    expect(await fencedAppend('node-b', 2)).toEqual([1]);
  });

  it('refuses a write on a lease that expired by database time, and on a partition never leased', async () => {
    await leases.acquire('node-a', [{ topicId, partition: 0 }], LONG_LEASE_MS);
    await expire(0);
    await expect(fencedAppend('node-a', 1)).rejects.toMatchObject({ code: 'NOT_PARTITION_OWNER' });
    await expect(
      runner.run(WorkMode.WRITE, (client) => assertLease(client, topicId, 1, 'node-a', 1)),
    ).rejects.toMatchObject({ code: 'NOT_PARTITION_OWNER', current: { owner: null } });
    expect(await logEnd()).toBe(0);
  });

  it('holds a takeover back until a fenced write in flight has committed', async () => {
    const patient = { lockTimeoutMs: 10_000, idleInTransactionTimeoutMs: 10_000 };
    const writer = openRunner(url, patient);
    const takerRunner = openRunner(url, patient);
    const taker = new PostgresLeaseStore(takerRunner);
    try {
      await leases.acquire('node-a', [{ topicId, partition: 0 }], 300);
      let fenced!: () => void;
      let finish!: () => void;
      const passed = new Promise<void>((resolve) => (fenced = resolve));
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const write = writer.run(WorkMode.WRITE, async (client) => {
        await assertLease(client, topicId, 0, 'node-a', 1);
        fenced();
        await finished;
        return appendBatches(client, [{ topicId, partition: 0, records: [jsonRecord('a')] }]);
      });
      await passed;
      await eventually(async () => (await leases.table())[0]!.lease!.expired, 5_000, 'expiry');
      const takeover = taker.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS);
      await eventually(waitingForLock, 5_000, 'the takeover waits for the row lock');
      finish();
      expect(await write).toEqual([0]);
      expect((await takeover).map((lease) => lease.epoch)).toEqual([2]);
    } finally {
      await Promise.all([writer.close(), takerRunner.close()]);
    }
  });

  it('lets a takeover through when a writer freezes inside its fenced transaction', async () => {
    // The frozen writer's session ends after idleInTransactionTimeoutMs, below the lease.
    const frozenRunner = openRunner(url, { idleInTransactionTimeoutMs: 300, maxRetries: 0 });
    const takerRunner = openRunner(url, { lockTimeoutMs: 10_000 });
    const taker = new PostgresLeaseStore(takerRunner);
    let wake = () => {};
    const frozenUntil = new Promise<void>((resolve) => (wake = resolve));
    try {
      await leases.acquire('node-a', [{ topicId, partition: 0 }], 300);
      let fenced!: () => void;
      const passed = new Promise<void>((resolve) => (fenced = resolve));
      const frozenWrite = frozenRunner.run(WorkMode.WRITE, async (client) => {
        await assertLease(client, topicId, 0, 'node-a', 1);
        fenced();
        await frozenUntil;
        return appendBatches(client, [{ topicId, partition: 0, records: [jsonRecord('a')] }]);
      });
      await passed;
      await eventually(async () => (await leases.table())[0]!.lease!.expired, 5_000, 'expiry');

      const granted = await taker.acquire('node-b', [{ topicId, partition: 0 }], LONG_LEASE_MS);
      expect(granted.map((lease) => lease.epoch)).toEqual([2]);
      wake();
      await expect(frozenWrite).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(await logEnd()).toBe(0);
    } finally {
      wake();
      await Promise.all([frozenRunner.close(), takerRunner.close()]);
    }
  });

  it('lists a registered node as live, and not once it stops heartbeating for the lease period', async () => {
    await registry.register('node-a', 'http://127.0.0.1:1');
    await registry.register('node-b', 'http://127.0.0.1:2');
    expect(await registry.liveNodeIds(LONG_LEASE_MS)).toEqual(['node-a', 'node-b']);
    await runner.run(WorkMode.WRITE, (client) =>
      client.query(
        "UPDATE nodes SET last_seen = now() - interval '2 seconds' WHERE node_id = 'node-b'",
      ),
    );
    expect(await registry.liveNodeIds(1_000)).toEqual(['node-a']);
    await registry.heartbeat('node-b', 'http://127.0.0.1:2');
    const nodes = await registry.list(1_000);
    expect(nodes.map((node) => [node.nodeId, node.alive])).toEqual([
      ['node-a', true],
      ['node-b', true],
    ]);
    await registry.leave('node-a');
    expect(await registry.liveNodeIds(1_000)).toEqual(['node-b']);
  });
});
