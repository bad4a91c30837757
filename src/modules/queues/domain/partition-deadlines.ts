import { ExpiryHolds } from './expiry-holds';
import { InFlightRecord } from './in-flight-record';
import { RecordState } from './record-state';

/**
 * The deadlines of one share partition's pending records (a lock to expire, a release delay to
 * fall due) and the expiries parked after writing them failed (`ExpiryHolds`). Keeps the
 * records that have a deadline apart (so that finding one costs what is in flight, not what
 * waits) and caches the earliest deadline until told that something changed.
 */
export class PartitionDeadlines {
  private readonly holds = new ExpiryHolds();
  private cached: number | null | undefined;
  /** The pending records with a deadline (`hasDeadline`), by offset. */
  private readonly timed = new Map<number, InFlightRecord>();

  constructor(private readonly pending: ReadonlyMap<number, InFlightRecord>) {
    for (const record of pending.values()) this.changed(record);
  }

  /** `record` changed (or left the pending records): the earliest deadline is computed again. */
  changed(record?: InFlightRecord): void {
    this.cached = undefined;
    if (!record) return;
    if (hasDeadline(record) && this.pending.get(record.offset) === record)
      this.timed.set(record.offset, record);
    else this.timed.delete(record.offset);
  }

  /** The records at `offsets` left the pending records. */
  forget(offsets: Iterable<number>): void {
    for (const offset of offsets) this.timed.delete(offset);
    this.cached = undefined;
  }

  /** Forgets every parked expiry (the settings changed). */
  clear(): void {
    this.holds.clear();
    this.cached = undefined;
  }

  /** Forgets everything (a reset emptied the pending records). */
  reset(): void {
    this.timed.clear();
    this.clear();
  }

  /** The pending records with a deadline, in offset order. */
  records(): InFlightRecord[] {
    return [...this.timed.values()].sort((a, b) => a.offset - b.offset);
  }

  /** True when `record`'s current delivery is parked at `nowMs`. */
  isHeld(record: InFlightRecord, nowMs: number): boolean {
    if (this.holds.size === 0) return false;
    const until = this.holds.heldUntil(record.offset, record.token);
    return until !== undefined && until > nowMs;
  }

  /** Offsets whose deadline (lock end or release delay) is due at `nowMs` and not parked. */
  due(nowMs: number): number[] {
    const due: number[] = [];
    for (const r of this.records()) {
      const at = r.state === RecordState.ACQUIRED ? r.lockExpiresAtMs : r.availableAtMs;
      if (at !== null && at <= nowMs && !this.isHeld(r, nowMs)) due.push(r.offset);
    }
    return due;
  }

  /** Parks the records at `offsets` until `untilMs`; returns those parked for the first time. */
  hold(offsets: readonly number[], untilMs: number): number[] {
    const first: number[] = [];
    for (const offset of offsets) {
      const record = this.pending.get(offset);
      if (record && this.holds.hold(offset, record.token, untilMs)) first.push(offset);
    }
    this.holds.prune((offset) => this.pending.get(offset)?.token);
    this.cached = undefined;
    return first;
  }

  /** Takes over the parked expiries of `previous` that still name a current delivery here. */
  adopt(previous: PartitionDeadlines): void {
    for (const [offset, token, untilMs] of previous.holds.entries()) {
      if (this.pending.get(offset)?.token === token) this.holds.hold(offset, token, untilMs);
    }
    this.cached = undefined;
  }

  /** The earliest deadline (a parked one counts at its retry time), or null. */
  next(): number | null {
    if (this.cached !== undefined) return this.cached;
    let deadline = Infinity;
    for (const r of this.timed.values()) {
      let at = r.state === RecordState.ACQUIRED ? r.lockExpiresAtMs : r.availableAtMs;
      const heldUntil = this.holds.size > 0 ? this.holds.heldUntil(r.offset, r.token) : undefined;
      if (at !== null && heldUntil !== undefined) at = Math.max(at, heldUntil);
      if (at !== null && at < deadline) deadline = at;
    }
    this.cached = deadline === Infinity ? null : deadline;
    return this.cached;
  }
}

/** ACQUIRED (its lock ends), or AVAILABLE after a delayed release. */
function hasDeadline(record: InFlightRecord): boolean {
  return (
    record.state === RecordState.ACQUIRED ||
    (record.state === RecordState.AVAILABLE && record.availableAtMs !== null)
  );
}
