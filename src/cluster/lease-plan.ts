import { PartitionKey, partitionKeyOf, PartitionLeaseRow } from './lease-store';
import { assignPartitions } from './partition-assignment';

/** What a node knows at one tick of its lease keeper. */
export interface LeasePlanInput {
  nodeId: string;
  /** Live nodes by database time (the registry). */
  liveNodeIds: readonly string[];
  /** Every partition with its lease row (the lease table, read this tick). */
  table: readonly PartitionLeaseRow[];
  /** Keys (`partitionKeyOf`) of the leases this node holds and serves. */
  held: ReadonlySet<string>;
  /** Keys of held leases already being handed over (draining). */
  handingOver: ReadonlySet<string>;
}

/** What the node does at this tick. */
export interface LeasePlan {
  /** The partitions this node should own once the cluster settles. */
  share: PartitionKey[];
  /** Partitions of its share whose lease is free or expired: take them with epoch + 1. */
  acquire: PartitionKey[];
  /** Held partitions beyond its share: drain, then release for their rightful node. */
  handOver: PartitionKey[];
}

/**
 * The decision of one tick, as data. The share is the deterministic assignment over the live
 * nodes. A partition of the share is taken only when its lease is free or expired by database
 * time, never from a live holder: that holder hands it over when it sees it is beyond its own
 * share. A node that does not see itself among the live nodes (its heartbeat is not there yet)
 * takes nothing and hands nothing over.
 */
export function planLeases(input: LeasePlanInput): LeasePlan {
  const { nodeId, liveNodeIds, table, held, handingOver } = input;
  if (!liveNodeIds.includes(nodeId)) return { share: [], acquire: [], handOver: [] };
  const owners = assignPartitions(table, liveNodeIds);
  const share: PartitionKey[] = [];
  const acquire: PartitionKey[] = [];
  const handOver: PartitionKey[] = [];
  for (const row of table) {
    const key = partitionKeyOf(row);
    const partition = { topicId: row.topicId, partition: row.partition };
    const mine = owners.get(key) === nodeId;
    if (mine) share.push(partition);
    if (held.has(key)) {
      if (!mine && !handingOver.has(key)) handOver.push(partition);
    } else if (mine && (row.lease === null || row.lease.expired)) {
      acquire.push(partition);
    }
  }
  return { share, acquire, handOver };
}

/**
 * Until when this node may serve a lease by its OWN clock: the lease period counted from the
 * moment the grant or renewal was SENT (the database counts it from a later moment), less a
 * safety margin for clock rate differences. Past it, the node stops serving even if it could
 * not reach the database. Epoch milliseconds of the local clock.
 */
export function localExpiryMs(sentAtMs: number, leaseMs: number, safetyMarginMs: number): number {
  return sentAtMs + leaseMs - safetyMarginMs;
}

/** The keys of `leases` whose local expiry is at or before `nowMs`. */
export function lapsedKeys(
  leases: Iterable<[string, { localExpiresAtMs: number }]>,
  nowMs: number,
): string[] {
  const lapsed: string[] = [];
  for (const [key, lease] of leases) if (lease.localExpiresAtMs <= nowMs) lapsed.push(key);
  return lapsed;
}

/** The earliest local expiry among `leases`, or null when there is none. */
export function nextLapseMs(leases: Iterable<{ localExpiresAtMs: number }>): number | null {
  let next: number | null = null;
  for (const lease of leases) {
    if (next === null || lease.localExpiresAtMs < next) next = lease.localExpiresAtMs;
  }
  return next;
}
