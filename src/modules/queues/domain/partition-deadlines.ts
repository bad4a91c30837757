import { ExpiryHolds } from './expiry-holds';
import { InFlightRecord } from './in-flight-record';
import { RecordState } from './record-state';

/**
 * The deadlines of one share partition's pending records (a lock to expire, a release delay to
 * fall due) and the expiries parked after writing them failed (`ExpiryHolds`). Caches the
 * earliest deadline until told that something changed.
 */
export class PartitionDeadlines {
  private readonly holds = new ExpiryHolds();
  private cached: number | null | undefined;

  constructor(private readonly pending: ReadonlyMap<number, InFlightRecord>) {}

  /** A record's deadline may have changed: the earliest one is computed again when asked. */
  changed(): void {
    this.cached = undefined;
  }

  /** Forgets every parked expiry (the settings changed, or a reset). */
  clear(): void {
    this.holds.clear();
    this.cached = undefined;
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
    for (const r of this.pending.values()) {
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
    for (const r of this.pending.values()) {
      let at = r.state === RecordState.ACQUIRED ? r.lockExpiresAtMs : r.availableAtMs;
      const heldUntil = this.holds.size > 0 ? this.holds.heldUntil(r.offset, r.token) : undefined;
      if (at !== null && heldUntil !== undefined) at = Math.max(at, heldUntil);
      if (at !== null && at < deadline) deadline = at;
    }
    this.cached = deadline === Infinity ? null : deadline;
    return this.cached;
  }
}
