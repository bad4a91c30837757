import type {
  GrantedLease,
  HeldLease,
  LeaseStore,
  NodeRecord,
  NodeRegistry,
  PartitionKey,
  PartitionLeaseRow,
} from '../../src/cluster/lease-store';
import { partitionKeyOf } from '../../src/cluster/lease-store';
import { FakeClock } from './fake-clock';

interface LeaseRow {
  owner: string;
  epoch: number;
  expiresAtMs: number;
}

/**
 * The node registry and lease table of several nodes, in memory, on a fake clock (the
 * "database time"): the same rules as the PostgreSQL store, answered at once. `unreachable`
 * nodes get promises that never settle (a partition from the database).
 */
export class MemoryLeases {
  readonly rows = new Map<string, LeaseRow>();
  readonly nodes = new Map<string, { url: string; lastSeenMs: number; startedAtMs: number }>();
  readonly unreachable = new Set<string>();
  private held: Array<() => void> = [];

  constructor(
    private readonly clock: FakeClock,
    readonly partitions: PartitionKey[],
  ) {}

  /** The store as one node reaches it (so that one node can be cut off). */
  as(nodeId: string): LeaseStore & NodeRegistry {
    const answer = <T>(value: () => T): Promise<T> =>
      this.unreachable.has(nodeId)
        ? new Promise<T>((resolve) => this.held.push(() => resolve(value())))
        : Promise.resolve().then(value);
    return {
      register: (id, url) => answer(() => this.upsert(id, url, true)),
      heartbeat: (id, url) => answer(() => this.upsert(id, url, false)),
      leave: (id) => answer(() => void this.nodes.delete(id)),
      list: (leaseMs) => answer(() => this.list(leaseMs)),
      liveNodeIds: (leaseMs) =>
        answer(() =>
          this.list(leaseMs)
            .filter((n) => n.alive)
            .map((n) => n.nodeId),
        ),
      table: () => answer(() => this.tableNow()),
      renew: (id, held, leaseMs) => answer(() => this.renewNow(id, held, leaseMs)),
      acquire: (id, wanted, leaseMs) => answer(() => this.acquireNow(id, wanted, leaseMs)),
      release: (id, held) => answer(() => this.releaseNow(id, held)),
    };
  }

  /** Makes every node reach the store again; calls held meanwhile are answered now. */
  reconnectAll(): void {
    this.unreachable.clear();
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  private list(leaseMs: number): NodeRecord[] {
    const now = this.clock.now();
    return [...this.nodes]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([nodeId, n]) => ({ nodeId, ...n, alive: n.lastSeenMs >= now - leaseMs }));
  }

  private upsert(nodeId: string, url: string, restart: boolean): void {
    const now = this.clock.now();
    const known = this.nodes.get(nodeId);
    this.nodes.set(nodeId, {
      url,
      lastSeenMs: now,
      startedAtMs: restart || !known ? now : known.startedAtMs,
    });
  }

  private tableNow(): PartitionLeaseRow[] {
    const now = this.clock.now();
    return this.partitions.map((key) => {
      const row = this.rows.get(partitionKeyOf(key));
      return {
        ...key,
        lease: row ? { owner: row.owner, epoch: row.epoch, expired: row.expiresAtMs < now } : null,
      };
    });
  }

  private renewNow(nodeId: string, held: readonly HeldLease[], leaseMs: number): GrantedLease[] {
    const now = this.clock.now();
    return held.flatMap((lease) => {
      const row = this.rows.get(partitionKeyOf(lease));
      if (row?.owner !== nodeId || row.epoch !== lease.epoch) return [];
      row.expiresAtMs = now + leaseMs;
      return [this.granted(lease)];
    });
  }

  private acquireNow(
    nodeId: string,
    wanted: readonly PartitionKey[],
    leaseMs: number,
  ): GrantedLease[] {
    const now = this.clock.now();
    return wanted.flatMap((key) => {
      const row = this.rows.get(partitionKeyOf(key));
      if (row && row.expiresAtMs >= now) return [];
      this.rows.set(partitionKeyOf(key), {
        owner: nodeId,
        epoch: (row?.epoch ?? 0) + 1,
        expiresAtMs: now + leaseMs,
      });
      return [this.granted(key)];
    });
  }

  private releaseNow(nodeId: string, held: readonly HeldLease[]): GrantedLease[] {
    const now = this.clock.now();
    return held.flatMap((lease) => {
      const row = this.rows.get(partitionKeyOf(lease));
      if (row?.owner !== nodeId || row.epoch !== lease.epoch || row.expiresAtMs <= now) return [];
      row.expiresAtMs = now;
      return [this.granted(lease)];
    });
  }

  private granted(key: PartitionKey): GrantedLease {
    const row = this.rows.get(partitionKeyOf(key))!;
    return {
      topicId: key.topicId,
      partition: key.partition,
      epoch: row.epoch,
      expiresAtMs: row.expiresAtMs,
      atMs: this.clock.now(),
    };
  }
}
