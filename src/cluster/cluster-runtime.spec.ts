import { Logger } from '@nestjs/common';
import { FakeClock } from '../../test/support/fake-clock';
import { MemoryLeases } from '../../test/support/memory-leases';
import { loadBrokerConfig } from '../config/broker-config';
import { BrokerMetrics } from '../metrics/broker-metrics';
import { ClusterMetrics } from '../metrics/cluster-metrics';
import { Storage } from '../persistence/port/storage';
import type { WriteFence } from '../persistence/port/write-fence';
import { ClusterRuntime } from './cluster-runtime';

const LEASE_MS = 1_000;
const PARTITIONS = Array.from({ length: 6 }, (_x, partition) => ({ topicId: 1, partition }));

/** A storage that only does what the runtime asks of it: coordination and the fence. */
class CoordinatedStorage {
  fence: WriteFence | null = null;
  coordinationClosed = false;

  constructor(
    readonly kind: 'sqlite' | 'postgres',
    private readonly memory: MemoryLeases | null,
    private readonly nodeId: string,
    private readonly maxLockHoldMs = 300,
  ) {}

  openCoordination() {
    if (!this.memory) return null;
    const store = this.memory.as(this.nodeId);
    return Promise.resolve({
      registry: store,
      leases: store,
      maxLockHoldMs: this.maxLockHoldMs,
      close: () => {
        this.coordinationClosed = true;
        return Promise.resolve();
      },
    });
  }

  setWriteFence(fence: WriteFence | null): void {
    this.fence = fence;
  }
}

/** Lets the promise callbacks of the keepers' ticks run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('ClusterRuntime', () => {
  let clock: FakeClock;
  let memory: MemoryLeases;
  const started: ClusterRuntime[] = [];

  const node = (nodeId: string, kind: 'sqlite' | 'postgres' = 'postgres', maxLockHoldMs = 300) => {
    const storage = new CoordinatedStorage(
      kind,
      kind === 'postgres' ? memory : null,
      nodeId,
      maxLockHoldMs,
    );
    const metrics = new BrokerMetrics();
    const config = loadBrokerConfig({
      WEIR_NODE_ID: nodeId,
      WEIR_ADVERTISED_URL: `http://${nodeId}.test:8080`,
      WEIR_LEASE_MS: String(LEASE_MS),
    });
    const runtime = new ClusterRuntime(
      storage as unknown as Storage,
      clock,
      config,
      new ClusterMetrics(metrics),
    );
    started.push(runtime);
    return { runtime, storage, metrics };
  };

  /** Moves time in steps of a tenth of the lease, letting the ticks' promises settle. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += LEASE_MS / 10) {
      clock.advance(LEASE_MS / 10);
      await settle();
    }
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    clock = new FakeClock();
    memory = new MemoryLeases(clock, PARTITIONS);
    started.length = 0;
  });
  afterEach(async () => {
    memory.reconnectAll();
    for (const runtime of started) {
      await runtime.beforeApplicationShutdown();
      await runtime.onApplicationShutdown();
    }
  });

  it('is inert on SQLite: every partition is local and writes are not fenced', async () => {
    const { runtime, storage } = node('solo', 'sqlite');
    await runtime.onApplicationBootstrap();
    expect(runtime.clustered).toBe(false);
    expect(runtime.route(1, 3)).toEqual({ kind: 'local' });
    expect(runtime.snapshot()).toBeNull();
    expect(storage.fence).toBeNull();
  });

  it('refuses to start with a lease no longer than the storage lets a frozen writer hold a lock', async () => {
    const { runtime, storage } = node('a', 'postgres', LEASE_MS);
    await expect(runtime.onApplicationBootstrap()).rejects.toThrow(/WEIR_LEASE_MS: must exceed/);
    expect(storage.coordinationClosed).toBe(true);
    expect(memory.nodes.size).toBe(0);
  });

  it('shares the partitions with another node, fences its writes with its epochs and routes the rest to the owner', async () => {
    const a = node('a');
    const b = node('b');
    await a.runtime.onApplicationBootstrap();
    await b.runtime.onApplicationBootstrap();
    await run(2 * LEASE_MS);

    const ownedByA = a.runtime.ownedLeases().map((l) => l.partition);
    const ownedByB = b.runtime.ownedLeases().map((l) => l.partition);
    expect(ownedByA.length + ownedByB.length).toBe(6);
    expect(ownedByA.filter((p) => ownedByB.includes(p))).toEqual([]);
    expect(Math.abs(ownedByA.length - ownedByB.length)).toBeLessThanOrEqual(1);

    const mine = ownedByA[0]!;
    const theirs = ownedByB[0]!;
    expect(a.runtime.route(1, mine)).toEqual({ kind: 'local' });
    expect(a.runtime.route(1, theirs)).toEqual({
      kind: 'remote',
      nodeId: 'b',
      url: 'http://b.test:8080',
      epoch: memory.rows.get(`1/${theirs}`)!.epoch,
    });
    expect(a.storage.fence!(1, mine)).toEqual({
      nodeId: 'a',
      epoch: memory.rows.get(`1/${mine}`)!.epoch,
    });
    expect(() => a.storage.fence!(1, theirs)).toThrow(
      expect.objectContaining({ code: 'NOT_PARTITION_OWNER' }),
    );
    const text = await a.metrics.render();
    expect(text).toContain(`weir_cluster_owned_partitions ${ownedByA.length}`);
    expect(text).toMatch(/weir_cluster_lease_renewals_total [1-9]/);
  });

  it("takes a silent node's partitions at a higher epoch within two lease periods, and stops serving its own when cut off", async () => {
    const a = node('a');
    const b = node('b');
    await a.runtime.onApplicationBootstrap();
    await b.runtime.onApplicationBootstrap();
    await run(2 * LEASE_MS);
    const before = new Map([...memory.rows].map(([key, row]) => [key, row]));
    const ofB = b.runtime.ownedLeases().map((l) => l.partition);
    expect(ofB.length).toBeGreaterThan(0);

    memory.unreachable.add('b');
    await run(2 * LEASE_MS);

    expect(b.runtime.ownedLeases()).toEqual([]);
    expect(b.runtime.route(1, ofB[0]!).kind).not.toBe('local');
    expect(() => b.storage.fence!(1, ofB[0]!)).toThrow(/does not own/);
    expect(a.runtime.ownedLeases()).toHaveLength(6);
    for (const partition of ofB) {
      const row = memory.rows.get(`1/${partition}`)!;
      expect(row.owner).toBe('a');
      expect(row.epoch).toBe(before.get(`1/${partition}`)!.epoch + 1);
    }
    const text = await b.metrics.render();
    expect(text).toContain(`weir_cluster_leases_lost_total{reason="lapsed"} ${ofB.length}`);
  });

  it('releases its leases and leaves at shutdown, so that the other node takes them at its next tick', async () => {
    const a = node('a');
    const b = node('b');
    await a.runtime.onApplicationBootstrap();
    await b.runtime.onApplicationBootstrap();
    await run(2 * LEASE_MS);
    await b.runtime.beforeApplicationShutdown();
    await b.runtime.onApplicationShutdown();
    expect(b.storage.fence).toBeNull();
    expect(b.storage.coordinationClosed).toBe(true);
    expect(memory.nodes.has('b')).toBe(false);

    await run(LEASE_MS / 2);
    expect(a.runtime.ownedLeases()).toHaveLength(6);
    const view = a.runtime.snapshot()!;
    expect(view.nodes.map((n) => n.nodeId)).toEqual(['a']);
    expect(view.owners.every((o) => o.nodeId === 'a' && !o.expired)).toBe(true);
  });
});
