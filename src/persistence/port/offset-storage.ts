import type { CommittedOffset, OffsetCommit } from './rows';

/** Committed offsets of streaming consumer groups. */
export interface OffsetStorage {
  /** Replaces the group's committed offsets for the partitions given (may move one back). */
  commit(group: string, offsets: readonly OffsetCommit[], committedAtMs: number): Promise<void>;

  /** Every committed offset of every group. */
  list(): Promise<CommittedOffset[]>;

  /** Forgets every committed offset of `group`. */
  deleteGroup(group: string): Promise<void>;
}
