import { PoolClient } from 'pg';
import {
  GrantedGroupLease,
  GroupFence,
  GroupLeaseRow,
  GroupLeaseStore,
  HeldGroupLease,
  NotGroupCoordinatorError,
} from '../../cluster/group-lease-store';
import { msOf } from './postgres-node-registry';
import { TransactionRunner, WorkMode } from './transaction-runner';

const GRANTED = `l.group_name, l.epoch, ${msOf('l.expires_at')} AS expires_at_ms, ${msOf('now()')} AS at_ms`;

const TABLE = `
  SELECT group_name, owner, epoch, expires_at < now() AS expired
  FROM group_leases ORDER BY group_name`;

const RENEW = `
  UPDATE group_leases l SET expires_at = now() + $2 * interval '1 millisecond'
  FROM unnest($3::text[], $4::bigint[]) AS h (group_name, epoch)
  WHERE l.group_name = h.group_name AND l.owner = $1 AND l.epoch = h.epoch
  RETURNING ${GRANTED}`;

// In key order, so that two nodes taking overlapping sets do not deadlock.
const ACQUIRE = `
  INSERT INTO group_leases AS l (group_name, owner, epoch, expires_at)
  SELECT w.group_name, $1, 1, now() + $2 * interval '1 millisecond'
  FROM unnest($3::text[]) AS w (group_name)
  ORDER BY w.group_name
  ON CONFLICT (group_name) DO UPDATE
    SET owner = EXCLUDED.owner, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
    WHERE l.expires_at < now()
  RETURNING ${GRANTED}`;

const RELEASE = `
  UPDATE group_leases l SET expires_at = now()
  FROM unnest($2::text[], $3::bigint[]) AS h (group_name, epoch)
  WHERE l.group_name = h.group_name AND l.owner = $1 AND l.epoch = h.epoch
    AND l.expires_at > now()
  RETURNING ${GRANTED}`;

interface GrantedColumns {
  group_name: string;
  epoch: number;
  expires_at_ms: number;
  at_ms: number;
}

const toGranted = (row: GrantedColumns): GrantedGroupLease => ({
  group: row.group_name,
  epoch: Number(row.epoch),
  expiresAtMs: Math.floor(row.expires_at_ms),
  atMs: Math.floor(row.at_ms),
});

/**
 * Streaming-group coordinator leases on PostgreSQL (`group_leases`, one small row per group),
 * on the coordination connections; each call is one single-statement transaction.
 */
export class PostgresGroupLeases implements GroupLeaseStore {
  constructor(private readonly runner: TransactionRunner) {}

  table(): Promise<GroupLeaseRow[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<{
        group_name: string;
        owner: string;
        epoch: number;
        expired: boolean;
      }>(TABLE);
      return rows.map((row) => ({
        group: row.group_name,
        owner: row.owner,
        epoch: Number(row.epoch),
        expired: row.expired,
      }));
    });
  }

  renew(
    nodeId: string,
    held: readonly HeldGroupLease[],
    leaseMs: number,
  ): Promise<GrantedGroupLease[]> {
    if (held.length === 0) return Promise.resolve([]);
    return this.grant(RENEW, [nodeId, leaseMs, held.map((h) => h.group), held.map((h) => h.epoch)]);
  }

  acquire(
    nodeId: string,
    groups: readonly string[],
    leaseMs: number,
  ): Promise<GrantedGroupLease[]> {
    if (groups.length === 0) return Promise.resolve([]);
    return this.grant(ACQUIRE, [nodeId, leaseMs, [...new Set(groups)]]);
  }

  release(nodeId: string, held: readonly HeldGroupLease[]): Promise<GrantedGroupLease[]> {
    if (held.length === 0) return Promise.resolve([]);
    return this.grant(RELEASE, [nodeId, held.map((h) => h.group), held.map((h) => h.epoch)]);
  }

  private grant(text: string, values: unknown[]): Promise<GrantedGroupLease[]> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      const { rows } = await client.query<GrantedColumns>(text, values);
      return rows.map(toGranted);
    });
  }
}

const CHECK = `
  SELECT owner, epoch, expires_at > now() AS live FROM group_leases
  WHERE group_name = $1 FOR SHARE`;

/**
 * The holder of the fence of committed-offset writes (set by the cluster runtime) and its
 * check, made first in the write's transaction: passes only when the node holds the group's
 * coordinator lease at the fence's epoch and it has not expired by database time; the row is
 * share-locked until the transaction ends, so no other node takes the group (epoch + 1) while
 * the commit is in flight. Without a fence (a single node) it does nothing.
 */
export class GroupFences {
  private fence: GroupFence | null = null;

  set(fence: GroupFence | null): void {
    this.fence = fence;
  }

  async check(client: PoolClient, group: string): Promise<void> {
    const token = this.fence?.(group) ?? null;
    if (token === null) return;
    const { rows } = await client.query<{ owner: string; epoch: number; live: boolean }>(CHECK, [
      group,
    ]);
    const row = rows[0];
    if (row?.owner === token.nodeId && Number(row.epoch) === token.epoch && row.live) return;
    throw new NotGroupCoordinatorError(group, {
      owner: row?.owner ?? null,
      epoch: row === undefined ? null : Number(row.epoch),
    });
  }
}
