/**
 * The partitioned log as the storage port offers it: asynchronous, narrow and atomic. Every
 * promise that writes settles only after its transaction committed (durable at the adapter's
 * sync level); a rejected write changed nothing.
 */

/** A record ready to append: what the log indexes, and the JSON fragment it is served as. */
export interface AppendRecord {
  /** Create time from the producer, or append time. Epoch ms. */
  timestampMs: number;
  /** The key's bytes, or null for an unkeyed record (hashing, per-key ordering). */
  key: Buffer | null;
  /**
   * The record's JSON members after `topic`, `partition` and `offset`, without braces:
   * `"timestampMs":1,"key":"k","value":{..},"headers":{..}` (see `record-wire.ts`). Stored once
   * and served as is.
   */
  wire: string;
  /** Bytes counted against limits and retention: key + value + header names and values. */
  sizeBytes: number;
}

/** Records for one partition within an append. */
export interface PartitionAppend {
  topicId: number;
  partition: number;
  records: readonly AppendRecord[];
}

/** Offsets and size of one partition. `logEndOffset` is the next offset to be written. */
export interface PartitionBounds {
  topicId: number;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  bytes: number;
}

/**
 * What one committed write changed in the partitions' bounds: the new bounds of every partition
 * it created, appended to or truncated (dead-letter copies and redriven copies included), and
 * the topics it deleted. Reported by the adapter after the commit (`Storage.onBoundsChanged`).
 */
export interface BoundsChange {
  bounds: PartitionBounds[];
  deletedTopicIds: number[];
  /**
   * Committed by another node sharing the storage (a cluster), reported here so that this
   * node's readers wake; absent for this node's own commits.
   */
  remote?: boolean;
}

/**
 * A page of one partition, in offset order, in a form that crosses threads as transferable
 * buffers: record i's fragment is `wire[wireStarts[i], wireStarts[i + 1])` (UTF-8).
 */
export interface RecordPage {
  count: number;
  offsets: Float64Array;
  timestamps: Float64Array;
  sizes: Float64Array;
  /**
   * A hash of each record's key bytes (`keyHash`: equal keys hash equal), or NaN for a null
   * key; what per-key ordering needs without decoding fragments.
   */
  keyHashes: Float64Array;
  /** `count + 1` boundaries into `wire`. */
  wireStarts: Uint32Array;
  wire: Buffer;
}

/** Offset, time and size of a record: what retention and time lookups need. */
export interface RecordSummary {
  offset: number;
  timestampMs: number;
  sizeBytes: number;
}

export interface LogStorage {
  /**
   * Appends every batch in one transaction (a produce request is all or nothing) and resolves
   * with each batch's base offset, in the order given. Rejects with `MissingPartitionError`
   * when a partition does not exist.
   */
  append(batches: readonly PartitionAppend[]): Promise<number[]>;

  /**
   * Up to `maxRecords` records from `fromOffset` on, stopping before the record that would take
   * the sum of their `sizeBytes` past `maxBytes`, but always at least one.
   */
  readPage(
    topicId: number,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    maxBytes: number,
  ): Promise<RecordPage>;

  /** The records at exactly `offsets` (ascending) that still exist, in offset order. */
  readOffsets(topicId: number, partition: number, offsets: readonly number[]): Promise<RecordPage>;

  /** The bounds of every partition of every topic. */
  bounds(): Promise<PartitionBounds[]>;

  /** Offsets, times and sizes of up to `limit` records from `fromOffset` on (retention). */
  summaries(
    topicId: number,
    partition: number,
    fromOffset: number,
    limit: number,
  ): Promise<RecordSummary[]>;

  /**
   * Deletes every record below `newStartOffset` (never above the log end, never moving the log
   * start back) and the dead-letter index rows below it; resolves with the new bounds.
   */
  truncateHead(
    topicId: number,
    partition: number,
    newStartOffset: number,
  ): Promise<PartitionBounds>;

  /** The offset of the first record whose timestamp is at or after `timestampMs`, if any. */
  offsetAtTime(topicId: number, partition: number, timestampMs: number): Promise<number | null>;
}

/** An append or a share write named a partition that does not exist (its topic was deleted). */
export class MissingPartitionError extends Error {
  override readonly name = 'MissingPartitionError';

  constructor(
    readonly topicId: number,
    readonly partition: number,
  ) {
    super(`partition ${topicId}/${partition} does not exist`);
  }
}
