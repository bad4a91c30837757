import { InFlightRecord } from './in-flight-record';
import { assertTransition, isTerminal, RecordState } from './record-state';
import { toStateRuns } from './state-runs';
import type {
  SharePartitionChanges,
  SharePartitionCounts,
  SharePartitionSnapshot,
} from './share-partition-types';

/**
 * The records of one share partition between its start offset (SPSO) and the end of what was
 * fetched, and what changed since the last `takeChanges`. Knows states, not rules: the
 * `SharePartition` built on it decides which moves happen.
 *
 * Invariants: `start <= end`; each offset in [start, end) is either in `pending` (AVAILABLE or
 * ACQUIRED, iterated in offset order) or in `done` (terminal).
 */
export class RecordWindow {
  private startOffset: number;
  private endOffset: number;
  /** AVAILABLE and ACQUIRED records, in offset order. */
  protected readonly pending = new Map<number, InFlightRecord>();
  private readonly done = new Map<number, InFlightRecord>();
  private readonly dirty = new Map<number, InFlightRecord>();
  private startMoved = false;
  private resetAll = false;
  private skippedByRetention = 0;

  constructor(snapshot: SharePartitionSnapshot) {
    this.startOffset = snapshot.startOffset;
    this.endOffset = snapshot.endOffset;
    const sorted = [...snapshot.records].sort((a, b) => a.offset - b.offset);
    for (const record of sorted) {
      if (record.offset < this.startOffset) continue;
      (isTerminal(record.state) ? this.done : this.pending).set(record.offset, { ...record });
    }
  }

  get start(): number {
    return this.startOffset;
  }

  get end(): number {
    return this.endOffset;
  }

  /** Fetches the record at the end of the window (AVAILABLE, never delivered) and returns it. */
  protected fetchNext(): InFlightRecord {
    const record: InFlightRecord = {
      offset: this.endOffset,
      state: RecordState.AVAILABLE,
      deliveryCount: 0,
      memberId: null,
      token: null,
      acquiredAtMs: null,
      lockExpiresAtMs: null,
      availableAtMs: null,
    };
    this.pending.set(record.offset, record);
    this.endOffset += 1;
    return record;
  }

  /** Marks `record` as changed (written at the next `takeChanges`). */
  protected touch(record: InFlightRecord): void {
    this.dirty.set(record.offset, record);
  }

  /** AVAILABLE → ACQUIRED: a new delivery (`token`) to `memberId`, locked until `lockExpiresAtMs`. */
  protected lock(
    record: InFlightRecord,
    memberId: string,
    token: string,
    nowMs: number,
    lockExpiresAtMs: number,
  ): void {
    assertTransition(record.state, RecordState.ACQUIRED);
    record.state = RecordState.ACQUIRED;
    record.deliveryCount += 1;
    record.memberId = memberId;
    record.token = token;
    record.acquiredAtMs = nowMs;
    record.lockExpiresAtMs = lockExpiresAtMs;
    record.availableAtMs = null;
    this.touch(record);
  }

  /** ACQUIRED → AVAILABLE, deliverable from `availableAtMs` on (null: at once). */
  protected unlock(record: InFlightRecord, availableAtMs: number | null): void {
    assertTransition(record.state, RecordState.AVAILABLE);
    record.state = RecordState.AVAILABLE;
    record.memberId = null;
    record.lockExpiresAtMs = null;
    record.availableAtMs = availableAtMs;
    this.touch(record);
  }

  /** Moves a pending record to a terminal state. */
  protected finish(record: InFlightRecord, state: RecordState): void {
    assertTransition(record.state, state);
    record.state = state;
    record.memberId = null;
    record.lockExpiresAtMs = null;
    record.availableAtMs = null;
    this.pending.delete(record.offset);
    this.done.set(record.offset, record);
    this.touch(record);
  }

  /** SPSO moves over contiguous terminal offsets; their rows are dropped. */
  protected advanceStart(): void {
    while (this.startOffset < this.endOffset && this.done.has(this.startOffset)) {
      this.done.delete(this.startOffset);
      this.dirty.delete(this.startOffset);
      this.startOffset += 1;
      this.startMoved = true;
    }
  }

  /**
   * Retention moved the log start past the window: forgets what is gone and returns the pending
   * records it dropped. False when nothing moved.
   */
  protected skipTo(logStartOffset: number): InFlightRecord[] | false {
    if (this.startOffset >= logStartOffset) return false;
    const dropped: InFlightRecord[] = [];
    this.skippedByRetention += Math.max(0, logStartOffset - this.endOffset);
    for (const offset of [...this.pending.keys(), ...this.done.keys()]) {
      if (offset >= logStartOffset) continue;
      const record = this.pending.get(offset);
      if (record) {
        this.skippedByRetention += 1;
        dropped.push(record);
      }
      this.pending.delete(offset);
      this.done.delete(offset);
      this.dirty.delete(offset);
    }
    this.startOffset = logStartOffset;
    this.endOffset = Math.max(this.endOffset, logStartOffset);
    this.startMoved = true;
    return dropped;
  }

  /** Records retention deleted before they were done, since the last call. */
  takeSkippedByRetention(): number {
    const skipped = this.skippedByRetention;
    this.skippedByRetention = 0;
    return skipped;
  }

  /** Moves the start and end to `offset`, forgetting every in-flight record (a reset). */
  resetTo(offset: number): void {
    this.pending.clear();
    this.done.clear();
    this.dirty.clear();
    this.startOffset = offset;
    this.endOffset = offset;
    this.resetAll = true;
  }

  /** Its state now, as a new `SharePartition` would start from it (to undo a change not written). */
  snapshot(): SharePartitionSnapshot {
    return {
      startOffset: this.startOffset,
      endOffset: this.endOffset,
      records: [...this.pending.values(), ...this.done.values()].map((r) => ({ ...r })),
    };
  }

  /** Returns and clears what changed, as runs of contiguous offsets with the same state. */
  takeChanges(): SharePartitionChanges {
    const changes: SharePartitionChanges = {
      startOffset: this.startOffset,
      endOffset: this.endOffset,
      runs: toStateRuns([...this.dirty.values()].filter((r) => r.offset >= this.startOffset)),
      startMoved: this.startMoved,
      resetAll: this.resetAll,
    };
    this.dirty.clear();
    this.startMoved = false;
    this.resetAll = false;
    return changes;
  }

  /** Counts in the window; never-fetched records up to `logEndOffset` count as available. */
  counts(logEndOffset: number): SharePartitionCounts {
    const counts = {
      available: Math.max(0, logEndOffset - this.endOffset),
      acquired: 0,
      acknowledged: 0,
      archived: 0,
    };
    for (const r of this.pending.values()) {
      if (r.state === RecordState.ACQUIRED) counts.acquired += 1;
      else counts.available += 1;
    }
    for (const r of this.done.values()) {
      if (r.state === RecordState.ACKNOWLEDGED) counts.acknowledged += 1;
      else counts.archived += 1;
    }
    return counts;
  }

  /** Records not yet done: `logEndOffset − SPSO − terminal records above SPSO`. */
  lag(logEndOffset: number): number {
    return Math.max(0, logEndOffset - this.startOffset - this.done.size);
  }

  /** The lowest offset that is AVAILABLE (fetched or not), or undefined. */
  oldestAvailableOffset(logEndOffset: number): number | undefined {
    for (const r of this.pending.values()) if (r.state === RecordState.AVAILABLE) return r.offset;
    return this.endOffset < logEndOffset ? this.endOffset : undefined;
  }

  /** Offsets `memberId` holds now. */
  heldBy(memberId: string): number[] {
    return [...this.pending.values()].filter((r) => r.memberId === memberId).map((r) => r.offset);
  }

  /** A copy of the record at `offset`, if it is in the window. */
  record(offset: number): InFlightRecord | undefined {
    const r = this.pending.get(offset) ?? this.done.get(offset);
    return r ? { ...r } : undefined;
  }
}
