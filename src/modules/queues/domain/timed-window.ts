import { InFlightRecord } from './in-flight-record';
import { KeyedWindow } from './keyed-window';
import { PartitionDeadlines } from './partition-deadlines';
import type { SharePartitionSnapshot } from './share-partition-types';

/**
 * A keyed record window with the deadlines of its records (`PartitionDeadlines`): locks to
 * expire, release delays to fall due, expiries parked after writing them failed.
 */
export abstract class TimedWindow extends KeyedWindow {
  protected readonly deadlines: PartitionDeadlines;

  constructor(snapshot: SharePartitionSnapshot) {
    super(snapshot);
    this.deadlines = new PartitionDeadlines(this.pending);
  }

  /** Offsets whose deadline (lock end or release delay) is due at `nowMs` and not parked. */
  dueOffsets(nowMs: number): number[] {
    return this.deadlines.due(nowMs);
  }

  /**
   * Parks the attempt end of the records at `offsets` until `untilMs`, after writing it failed:
   * they stay as they are, `expireLocks` and acknowledgements leave them alone, and
   * `nextDeadline` reports `untilMs` for them instead of their overdue deadline. Ends when the
   * record moves on or the settings change. Returns the offsets parked for the first time in
   * their current delivery (a retry that fails again is not new).
   */
  holdExpiry(offsets: readonly number[], untilMs: number): number[] {
    return this.deadlines.hold(offsets, untilMs);
  }

  /**
   * Takes over the parked expiries and known keys of `previous` (this partition reloaded after
   * a rollback).
   */
  adoptHolds(previous: TimedWindow): void {
    this.deadlines.adopt(previous.deadlines);
    this.keyOrder.adopt(previous.keyOrder, this.pending.keys());
  }

  /**
   * The earliest time something here needs attention: a lock to expire, a delayed record to
   * become deliverable, or a parked expiry to retry. Null when nothing is pending on time.
   */
  nextDeadline(): number | null {
    return this.deadlines.next();
  }

  protected isHeld(record: InFlightRecord, nowMs: number): boolean {
    return this.deadlines.isHeld(record, nowMs);
  }

  /** Moves the start and end to `offset`, forgetting every in-flight record (a reset). */
  override resetTo(offset: number): void {
    super.resetTo(offset);
    this.deadlines.reset();
  }

  protected override skipTo(logStartOffset: number): InFlightRecord[] | false {
    const dropped = super.skipTo(logStartOffset);
    if (dropped === false) return false;
    this.deadlines.forget(dropped.map((r) => r.offset));
    return dropped;
  }

  protected override touch(record: InFlightRecord): void {
    super.touch(record);
    this.deadlines.changed(record);
  }
}
