import { partitionKey, TopicPartition, WeirRecord } from './records';

/** Records of one partition handed to `eachBatch` together, in offset order. */
export interface StreamBatch extends TopicPartition {
  records: WeirRecord[];
}

/** A reset this consumer asked for: polls started before it took effect may still read past it. */
interface PendingSeek {
  offset: number;
  /** Polls numbered above this one started after the reset was answered. */
  afterPoll: number;
}

/**
 * What a stream consumer knows locally about each partition it owns: the next offset to hand
 * out (records below it are not handed out twice), paused partitions (which polls ask the
 * broker not to read) and the first record of theirs a poll that began before the pause
 * returned (to read again on resume), and seeks on their way. It decides which of a poll's
 * records become batches.
 */
export class PartitionPositions {
  private readonly next = new Map<string, number>();
  /** Paused partitions, with the first offset skipped while paused (if any). */
  private readonly paused = new Map<string, number | undefined>();
  private readonly pausedPartitions = new Map<string, TopicPartition>();
  private readonly seeks = new Map<string, PendingSeek>();

  /** A new membership: positions start again from the committed offsets. */
  clearPositions(): void {
    this.next.clear();
    this.seeks.clear();
    for (const key of this.paused.keys()) this.paused.set(key, undefined);
  }

  /** Forgets what it knew of partitions no longer assigned. */
  retain(assignment: readonly TopicPartition[]): void {
    const owned = new Set(assignment.map(partitionKey));
    for (const map of [this.next, this.seeks]) {
      for (const key of [...map.keys()]) if (!owned.has(key)) map.delete(key);
    }
    for (const key of [...this.paused.keys()]) {
      if (!owned.has(key)) this.paused.set(key, undefined);
    }
  }

  pause(p: TopicPartition): void {
    const key = partitionKey(p);
    if (!this.paused.has(key)) this.paused.set(key, undefined);
    this.pausedPartitions.set(key, { topic: p.topic, partition: p.partition });
  }

  /** The paused partitions, which polls ask the broker not to read. */
  get pausedList(): TopicPartition[] {
    return [...this.pausedPartitions.values()];
  }

  isPaused(p: TopicPartition): boolean {
    return this.paused.has(partitionKey(p));
  }

  /** Unpauses; answers the offset to read again from, when records were skipped meanwhile. */
  resume(p: TopicPartition): number | undefined {
    const key = partitionKey(p);
    const skippedFrom = this.paused.get(key);
    this.paused.delete(key);
    this.pausedPartitions.delete(key);
    return skippedFrom;
  }

  /** A seek to `offset` starts: until it took effect, only records from `offset` count. */
  seekStarted(p: TopicPartition, offset: number): void {
    const key = partitionKey(p);
    this.seeks.set(key, { offset, afterPoll: Number.POSITIVE_INFINITY });
    this.next.set(key, offset);
    if (this.paused.has(key)) this.paused.set(key, undefined);
  }

  /** The seek was answered: polls numbered above `pollNumber` read from its offset. */
  seekDone(p: TopicPartition, pollNumber: number): void {
    const seek = this.seeks.get(partitionKey(p));
    if (seek) seek.afterPoll = pollNumber;
  }

  /** Whether a seek of the partition is on its way (it began after this poll's records). */
  isSeeking(p: TopicPartition): boolean {
    return this.seeks.has(partitionKey(p));
  }

  /** The batch succeeded: later records start after it. */
  advance(batch: StreamBatch): void {
    const last = batch.records[batch.records.length - 1];
    if (last) this.next.set(partitionKey(batch), last.offset + 1);
  }

  /** Splits the records of poll `pollNumber` into batches to hand out, one per partition. */
  take(records: readonly WeirRecord[], pollNumber: number): StreamBatch[] {
    const byPartition = new Map<string, StreamBatch>();
    for (const record of records) {
      const key = partitionKey(record);
      let batch = byPartition.get(key);
      if (!batch) {
        batch = { topic: record.topic, partition: record.partition, records: [] };
        byPartition.set(key, batch);
      }
      batch.records.push(record);
    }
    const batches: StreamBatch[] = [];
    for (const [key, batch] of byPartition) {
      if (!this.seekAllows(key, batch, pollNumber)) continue;
      const from = this.next.get(key);
      batch.records = batch.records.filter((r) => from === undefined || r.offset >= from);
      if (batch.records.length > 0 && this.admit(batch)) batches.push(batch);
    }
    return batches;
  }

  /** Whether a batch may run now: false (and remembered as skipped) for a paused partition. */
  admit(batch: StreamBatch): boolean {
    const key = partitionKey(batch);
    if (!this.paused.has(key)) return true;
    const first = batch.records[0]?.offset;
    const skippedFrom = this.paused.get(key);
    if (first !== undefined && (skippedFrom === undefined || first < skippedFrom)) {
      this.paused.set(key, first);
    }
    return false;
  }

  private seekAllows(key: string, batch: StreamBatch, pollNumber: number): boolean {
    const seek = this.seeks.get(key);
    if (!seek) return true;
    if (pollNumber > seek.afterPoll || batch.records[0]?.offset === seek.offset) {
      this.seeks.delete(key);
      return true;
    }
    return false; // read before the reset took effect
  }
}
