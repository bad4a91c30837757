import type { GroupFence } from '../../cluster/group-lease-store';
import type { ClusterCoordination } from '../../cluster/lease-store';
import type { CatalogueStorage } from './catalogue-storage';
import type { DeadLetterStorage } from './dead-letter-storage';
import type { BoundsChange, LogStorage } from './log-storage';
import type { OffsetStorage } from './offset-storage';
import type { ShareStorage } from './share-storage';
import type { WriteFence } from './write-fence';

/**
 * The storage port: everything the broker keeps, behind narrow asynchronous operations, each
 * atomic. Services never see SQL or a connection; memory adopts a change only after the
 * promise of its write resolved. Adapters: SQLite (`sqlite/`, its engine on a worker thread)
 * and PostgreSQL. Abstract so that it is also the dependency-injection token.
 */
export abstract class Storage {
  abstract readonly kind: 'sqlite' | 'postgres';
  abstract readonly catalogue: CatalogueStorage;
  abstract readonly log: LogStorage;
  abstract readonly shares: ShareStorage;
  abstract readonly offsets: OffsetStorage;
  abstract readonly deadLetters: DeadLetterStorage;
  private readonly boundsListeners: Array<(change: BoundsChange) => void> = [];

  /**
   * Runs `listener` with what every committed write changed in the partitions' bounds, after
   * its commit and before the write's promise resolves; a write that rolled back reports
   * nothing. Writes of one partition are reported in commit order. The one source of bounds for
   * memory (see `PartitionBoundsMirror`): no service has to remember to report a write.
   */
  onBoundsChanged(listener: (change: BoundsChange) => void): void {
    this.boundsListeners.push(listener);
  }

  /** For adapters: tells the listeners what a committed write changed. */
  protected reportBounds(change: BoundsChange): void {
    if (change.bounds.length === 0 && change.deletedTopicIds.length === 0) return;
    for (const listener of this.boundsListeners) listener(change);
  }

  /**
   * Fences every later write that touches a partition's data (appends, share state) with
   * the lease `fence` answers, checked in the write's own transaction; null stops fencing. An
   * engine without leases (SQLite: one node) ignores it.
   */
  setWriteFence(fence: WriteFence | null): void {
    void fence;
  }

  /**
   * Fences every later write of a streaming group's committed offsets with the group's
   * coordinator lease `fence` answers, checked in the write's own transaction; null stops
   * fencing. An engine without leases (SQLite: one node) ignores it.
   */
  setGroupFence(fence: GroupFence | null): void {
    void fence;
  }

  /**
   * Opens the node registry and the lease table of a cluster of nodes sharing this storage, on
   * connections of their own; null for an engine that one node owns alone (SQLite).
   */
  openCoordination(): Promise<ClusterCoordination> | null {
    return null;
  }

  /** Proves the storage can be written now (readiness). */
  abstract checkWritable(): Promise<void>;

  /** Commits what is queued, then closes; later calls reject. */
  abstract close(): Promise<void>;
}
