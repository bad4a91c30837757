import { FakeClock } from '../../test/support/fake-clock';
import { LeaseChange, LeaseKeeper } from './lease-keeper';
import {
  GrantedLease,
  HeldLease,
  LeaseStore,
  NodeRecord,
  NodeRegistry,
  PartitionKey,
  PartitionLeaseRow,
} from './lease-store';

const LEASE_MS = 1_000;

/** One node's view of a lease table that answers at once, or never (`unreachable`). */
class MemoryCluster implements LeaseStore, NodeRegistry {
  unreachable = false;
  readonly rows = new Map<number, { owner: string; epoch: number; expiresAtMs: number }>();

  constructor(
    private readonly clock: FakeClock,
    private readonly partitions: number,
  ) {}

  register = () => this.answer(undefined);
  heartbeat = () => this.answer(undefined);
  leave = () => this.answer(undefined);
  list = (): Promise<NodeRecord[]> => this.answer([]);
  liveNodeIds = () => this.answer(['me']);

  table(): Promise<PartitionLeaseRow[]> {
    const now = this.clock.now();
    return this.answer(
      Array.from({ length: this.partitions }, (_, partition) => {
        const row = this.rows.get(partition);
        const lease = row ? { ...row, expired: row.expiresAtMs < now } : null;
        return { topicId: 1, partition, lease };
      }),
    );
  }

  renew(nodeId: string, held: readonly HeldLease[], leaseMs: number): Promise<GrantedLease[]> {
    const granted = held.flatMap((lease) => {
      const row = this.rows.get(lease.partition);
      if (row?.owner !== nodeId || row.epoch !== lease.epoch) return [];
      row.expiresAtMs = this.clock.now() + leaseMs;
      return [this.granted(lease.partition)];
    });
    return this.answer(granted);
  }

  acquire(nodeId: string, wanted: readonly PartitionKey[], leaseMs: number) {
    const now = this.clock.now();
    const granted = wanted.flatMap(({ partition }) => {
      const row = this.rows.get(partition);
      if (row && row.expiresAtMs >= now) return [];
      this.rows.set(partition, {
        owner: nodeId,
        epoch: (row?.epoch ?? 0) + 1,
        expiresAtMs: now + leaseMs,
      });
      return [this.granted(partition)];
    });
    return this.answer(granted);
  }

  release(): Promise<GrantedLease[]> {
    return this.answer([]);
  }

  private granted(partition: number): GrantedLease {
    const row = this.rows.get(partition)!;
    return {
      topicId: 1,
      partition,
      epoch: row.epoch,
      expiresAtMs: row.expiresAtMs,
      atMs: this.clock.now(),
    };
  }

  private answer<T>(value: T): Promise<T> {
    return this.unreachable ? new Promise<T>(() => undefined) : Promise.resolve(value);
  }
}

/** Lets the promise callbacks of a tick run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LeaseKeeper', () => {
  let clock: FakeClock;
  let memory: MemoryCluster;
  let keeper: LeaseKeeper;
  let changes: string[];

  beforeEach(async () => {
    clock = new FakeClock();
    memory = new MemoryCluster(clock, 2);
    keeper = new LeaseKeeper(memory, memory, clock, {
      nodeId: 'me',
      url: 'http://me',
      leaseMs: LEASE_MS,
    });
    changes = [];
    keeper.onChange((change: LeaseChange) =>
      changes.push(
        `${change.kind} ${change.lease.partition}@${change.lease.epoch}${change.kind === 'lost' ? ` ${change.reason}` : ''}`,
      ),
    );
    await keeper.start();
  });

  it('takes the free partitions of its share at epoch 1 and fences writes with that epoch', () => {
    expect(changes).toEqual(['gained 0@1', 'gained 1@1']);
    expect(keeper.fence(1, 0)).toBe(1);
    expect(() => keeper.fence(1, 5)).toThrow(
      expect.objectContaining({ code: 'NOT_PARTITION_OWNER' }),
    );
  });

  it('stops serving when its own clock says the lease may have lapsed, though the database never answered', async () => {
    memory.unreachable = true;
    clock.advance(LEASE_MS / 2);
    await settle();
    expect(keeper.fence(1, 0)).toBe(1);
    // Lease less the safety margin (a tenth), counted from when the grant was sent.
    clock.advance(LEASE_MS * 0.4 - 1);
    expect(keeper.fence(1, 1)).toBe(1);
    clock.advance(1);
    expect(() => keeper.fence(1, 0)).toThrow(/does not own/);
    expect(changes.slice(2)).toEqual(['lost 0@1 lapsed', 'lost 1@1 lapsed']);
    expect(keeper.leases()).toEqual([]);
  });

  it('stops serving at once when a renewal touches no row: another node took the lease', async () => {
    memory.rows.set(1, { owner: 'other', epoch: 2, expiresAtMs: clock.now() + LEASE_MS });
    clock.advance(LEASE_MS / 3);
    await settle();
    expect(changes.slice(2)).toEqual(['lost 1@1 fenced']);
    expect(keeper.fence(1, 0)).toBe(1);
    expect(() => keeper.fence(1, 1)).toThrow(
      expect.objectContaining({ code: 'NOT_PARTITION_OWNER' }),
    );
  });

  it('keeps renewing while the database answers, and loses everything on close', async () => {
    for (let tick = 0; tick < 10; tick++) {
      clock.advance(LEASE_MS / 3);
      await settle();
    }
    expect(keeper.leases().map((lease) => lease.epoch)).toEqual([1, 1]);
    await keeper.close();
    expect(changes.slice(2)).toEqual(['lost 0@1 closed', 'lost 1@1 closed']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
