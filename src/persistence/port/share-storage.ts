/**
 * Share-group state as the storage port keeps it: compact state batches (KIP-932's share-state
 * persister), written atomically with the dead-letter copies they cause.
 */

/**
 * A run of contiguous offsets `[firstOffset, lastOffset]` of one share partition in the same
 * state, with the same delivery count, holder and deadlines. A receipt names one offset of a
 * run: `token` is shared by the run, the offset makes it unique.
 */
export interface ShareStateBatch {
  firstOffset: number;
  lastOffset: number;
  /** A `RecordState` value of the queues domain. */
  state: number;
  deliveryCount: number;
  memberId: string | null;
  token: string | null;
  acquiredAtMs: number | null;
  lockExpiresAtMs: number | null;
  availableAtMs: number | null;
}

/** One share partition's change: its offsets, and batches that replace the state of their offsets. */
export interface SharePartitionWrite {
  groupId: number;
  topicId: number;
  partition: number;
  /** SPSO: state below it is dropped. */
  startOffset: number;
  /** The next offset never fetched. */
  endOffset: number;
  /** Forget every stored state first (a reset). */
  resetAll: boolean;
  /** Each replaces whatever was stored for its offsets (stored runs are split around it). */
  batches: readonly ShareStateBatch[];
}

/** A share partition as stored: its offsets and its state batches in offset order. */
export interface StoredSharePartition {
  topicId: number;
  partition: number;
  startOffset: number;
  endOffset: number;
  batches: ShareStateBatch[];
}

/**
 * A dead-letter copy to append in the same transaction as the archive that causes it: the
 * source record's key, value and headers (`weir-dlq-*` headers dropped) plus `lineage`, then
 * `weir-dlq-source-timestamp` (the source record's timestamp, which only the transaction reads).
 * Its timestamp is `deadLetteredAtMs`. A source record already gone is copied as null key and
 * value with the lineage alone.
 */
export interface DeadLetterAppend {
  source: { topicId: number; partition: number; offset: number; topicName: string };
  target: { topicId: number; partition: number };
  /** Lineage headers, appended after the source's own headers. */
  lineage: ReadonlyArray<readonly [string, string]>;
  reason: string;
  deadLetteredAtMs: number;
}

export interface ShareStorage {
  /** Every share partition of `groupId` with its state batches. */
  load(groupId: number): Promise<StoredSharePartition[]>;

  /**
   * Writes the share partitions' changes and appends the dead-letter copies (and their index
   * rows) in one transaction; resolves with each copy's offset, in the order given.
   */
  write(
    writes: readonly SharePartitionWrite[],
    deadLetters: readonly DeadLetterAppend[],
  ): Promise<number[]>;
}
