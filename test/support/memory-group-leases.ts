import type {
  GrantedGroupLease,
  GroupLeaseRow,
  GroupLeaseStore,
  HeldGroupLease,
} from '../../src/cluster/group-lease-store';
import { FakeClock } from './fake-clock';

/**
 * The group coordinator lease table in memory, on a fake clock (the "database time"): the
 * same rules as `PostgresGroupLeases`, answered at once.
 */
export class MemoryGroupLeases implements GroupLeaseStore {
  readonly rows = new Map<string, { owner: string; epoch: number; expiresAtMs: number }>();

  constructor(private readonly clock: FakeClock) {}

  table(): Promise<GroupLeaseRow[]> {
    const now = this.clock.now();
    return Promise.resolve(
      [...this.rows]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([group, row]) => ({
          group,
          owner: row.owner,
          epoch: row.epoch,
          expired: row.expiresAtMs < now,
        })),
    );
  }

  renew(nodeId: string, held: readonly HeldGroupLease[], leaseMs: number) {
    return Promise.resolve(
      held.flatMap((lease) => {
        const row = this.rows.get(lease.group);
        if (row?.owner !== nodeId || row.epoch !== lease.epoch) return [];
        row.expiresAtMs = this.clock.now() + leaseMs;
        return [this.granted(lease.group)];
      }),
    );
  }

  acquire(nodeId: string, groups: readonly string[], leaseMs: number) {
    const now = this.clock.now();
    return Promise.resolve(
      groups.flatMap((group) => {
        const row = this.rows.get(group);
        if (row && row.expiresAtMs >= now) return [];
        this.rows.set(group, {
          owner: nodeId,
          epoch: (row?.epoch ?? 0) + 1,
          expiresAtMs: now + leaseMs,
        });
        return [this.granted(group)];
      }),
    );
  }

  release(nodeId: string, held: readonly HeldGroupLease[]) {
    const now = this.clock.now();
    return Promise.resolve(
      held.flatMap((lease) => {
        const row = this.rows.get(lease.group);
        if (row?.owner !== nodeId || row.epoch !== lease.epoch || row.expiresAtMs <= now) return [];
        row.expiresAtMs = now;
        return [this.granted(lease.group)];
      }),
    );
  }

  private granted(group: string): GrantedGroupLease {
    const row = this.rows.get(group)!;
    return { group, epoch: row.epoch, expiresAtMs: row.expiresAtMs, atMs: this.clock.now() };
  }
}
