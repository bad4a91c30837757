import { PartitionOwnerUnavailableError } from '../common/errors';
import type { GroupLeaseStore } from './group-lease-store';

/** One partition of one topic. */
export interface PartitionKey {
  topicId: number;
  partition: number;
}

/** A partition's key as a string, for maps and sets: `topicId/partition`. */
export function partitionKeyOf(key: PartitionKey): string {
  return `${key.topicId}/${key.partition}`;
}

/** A node as the registry knows it. Times are the database's, epoch milliseconds. */
export interface NodeRecord {
  nodeId: string;
  /** How peers reach the node (`WEIR_ADVERTISED_URL`). */
  url: string;
  lastSeenMs: number;
  startedAtMs: number;
  /** Seen within the lease period, by database time. */
  alive: boolean;
}

/**
 * The registry of nodes sharing one database. A node is live while its last heartbeat is
 * within the lease period by the database's clock; a node that stops heartbeating is not live
 * once that period has passed, without anyone having to remove it.
 */
export interface NodeRegistry {
  /** Inserts or replaces the node's row (a restart: `startedAtMs` is now). */
  register(nodeId: string, url: string): Promise<void>;
  /** Marks the node seen now (registers it again if its row is gone). */
  heartbeat(nodeId: string, url: string): Promise<void>;
  /** Every registered node, `alive` by `leaseMs`, ordered by id. */
  list(leaseMs: number): Promise<NodeRecord[]>;
  /** The ids of the live nodes, ordered. */
  liveNodeIds(leaseMs: number): Promise<string[]>;
  /** Removes the node's row (a clean shutdown: the others re-spread at once). */
  leave(nodeId: string): Promise<void>;
}

/** A partition and its lease row, if it has one. `expired` is by database time. */
export interface PartitionLeaseRow extends PartitionKey {
  lease: { owner: string; epoch: number; expired: boolean } | null;
}

/** A lease this node was granted or renewed. Times are the database's, epoch milliseconds. */
export interface GrantedLease extends PartitionKey {
  epoch: number;
  /** When the lease ends unless renewed. */
  expiresAtMs: number;
  /** The database time of the grant or renewal. */
  atMs: number;
}

/** A lease this node holds, named by its epoch. */
export interface HeldLease extends PartitionKey {
  epoch: number;
}

/**
 * The partition lease table. Every decision about expiry uses the database's time. A renewal
 * or a release only touches rows whose owner and epoch are still the caller's.
 */
export interface LeaseStore {
  /** Every partition with its lease row, ordered by topic and partition. */
  table(): Promise<PartitionLeaseRow[]>;
  /** Extends `held` leases to now + `leaseMs`; answers those renewed (the rest are lost). */
  renew(nodeId: string, held: readonly HeldLease[], leaseMs: number): Promise<GrantedLease[]>;
  /**
   * Takes each partition whose lease is free or expired, with epoch + 1 (1 for a first
   * lease), until now + `leaseMs`; answers those taken.
   */
  acquire(
    nodeId: string,
    wanted: readonly PartitionKey[],
    leaseMs: number,
  ): Promise<GrantedLease[]>;
  /** Ends `held` leases now so that another node may take them; answers those released. */
  release(nodeId: string, held: readonly HeldLease[]): Promise<GrantedLease[]>;
}

/** Who holds a partition's lease instead of the caller, when known. */
export interface OwnerDetails {
  owner: string | null;
  epoch: number | null;
}

/**
 * This node does not hold the partition's lease at the epoch it wrote with (it lapsed, was
 * handed over, or was taken with a higher epoch). The write did not happen; retriable on the
 * owner. `owner` and `epoch` are the lease row's when it was read (null when unknown).
 */
export class NotPartitionOwnerError extends PartitionOwnerUnavailableError {
  override readonly name = 'NotPartitionOwnerError';

  constructor(
    readonly topicId: number,
    readonly partition: number,
    readonly current: OwnerDetails = { owner: null, epoch: null },
  ) {
    const who = current.owner === null ? '' : ` (owner ${current.owner}, epoch ${current.epoch})`;
    super(`this node does not own partition ${partition} of topic ${topicId}${who}`, {
      owner: current.owner,
      url: null,
      epoch: current.epoch,
    });
  }
}

/**
 * What a cluster over a shared database needs from the storage: the node registry and the
 * lease table on a connection of their own (so that lease renewals never queue behind data
 * writes), and the longest a frozen writer can hold a row lock, which the lease must exceed.
 */
export interface ClusterCoordination {
  registry: NodeRegistry;
  leases: LeaseStore;
  /** The streaming-group coordinator leases (absent: groups are not coordinated). */
  groups?: GroupLeaseStore;
  /** The larger of the data connections' `lock_timeout` and idle-in-transaction timeout. Ms. */
  maxLockHoldMs: number;
  /** Ends the coordination connections. */
  close(): Promise<void>;
}
