import { PartitionOwnerUnavailableError } from '../common/errors';

/** A streaming group's coordinator lease row. `expired` is by database time. */
export interface GroupLeaseRow {
  group: string;
  owner: string;
  epoch: number;
  expired: boolean;
}

/** A group lease this node holds, named by its epoch. */
export interface HeldGroupLease {
  group: string;
  epoch: number;
}

/** A group lease this node was granted or renewed. Times are the database's, epoch ms. */
export interface GrantedGroupLease extends HeldGroupLease {
  expiresAtMs: number;
  atMs: number;
}

/**
 * The coordinator lease table of streaming groups (DESIGN §7 "State"): one row per group that
 * was ever used in a cluster. The same rules as the partition leases: every expiry is the
 * database's time, a renewal or release only touches rows still held at the caller's epoch, a
 * free or expired lease is taken with epoch + 1 (1 for a first lease).
 */
export interface GroupLeaseStore {
  /** Every group lease row, ordered by group. */
  table(): Promise<GroupLeaseRow[]>;
  renew(
    nodeId: string,
    held: readonly HeldGroupLease[],
    leaseMs: number,
  ): Promise<GrantedGroupLease[]>;
  /** Takes each group whose lease is missing or expired; answers those taken. */
  acquire(nodeId: string, groups: readonly string[], leaseMs: number): Promise<GrantedGroupLease[]>;
  /** Ends `held` leases now so that another node may take them; answers those released. */
  release(nodeId: string, held: readonly HeldGroupLease[]): Promise<GrantedGroupLease[]>;
}

/** Who coordinates a group instead of the caller, when known. */
export interface CoordinatorDetails {
  owner: string | null;
  epoch: number | null;
}

/**
 * This node does not coordinate the group (now, or at the epoch it wrote with): the request or
 * the commit did not happen. Retriable on the coordinator: `NOT_PARTITION_OWNER`, 503.
 */
export class NotGroupCoordinatorError extends PartitionOwnerUnavailableError {
  override readonly name = 'NotGroupCoordinatorError';

  constructor(
    readonly group: string,
    readonly current: CoordinatorDetails = { owner: null, epoch: null },
    url: string | null = null,
  ) {
    const who =
      current.owner === null ? '' : ` (coordinator ${current.owner}, epoch ${current.epoch})`;
    super(`this node does not coordinate streaming group '${group}'${who}; retry shortly`, {
      owner: current.owner,
      url,
      epoch: current.epoch,
      group,
    });
  }
}

/** The lease a write of a group's committed offsets is fenced with. */
export type GroupFence = (group: string) => { nodeId: string; epoch: number } | null;
