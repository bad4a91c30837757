import { AttemptEnd, Archival, DeadLetterReason, InFlightRecord } from './in-flight-record';
import { BackoffPolicy, backoffDelayMs } from './backoff';
import { ExpiryHolds } from './expiry-holds';
import { assertTransition, isTerminal, RecordState } from './record-state';
import { StateRun, toStateRuns } from './state-runs';

/** The group settings a share partition applies. */
export interface SharePartitionSettings {
  maxDeliveryCount: number;
  maxInFlightRecords: number;
  /** Cap on the total lock time of one delivery, renewals included. */
  maxLockMs: number;
  backoff: BackoffPolicy;
}

/** A share partition's durable state, as loaded from and written to the store. */
export interface SharePartitionSnapshot {
  /** SPSO: every offset below is done. */
  startOffset: number;
  /** Next offset never fetched; offsets in [startOffset, endOffset) all have a record. */
  endOffset: number;
  records: InFlightRecord[];
}

/** What changed since the last `takeChanges`, for the storage to write in one transaction. */
export interface SharePartitionChanges {
  startOffset: number;
  endOffset: number;
  /** The changed records (all at or above `startOffset`) as runs, in offset order. */
  runs: StateRun[];
  /** True when state below `startOffset`, or all state (`resetAll`), must be dropped. */
  startMoved: boolean;
  resetAll: boolean;
}

export type AckType = 'accept' | 'release' | 'reject' | 'renew';

export interface AckRequest {
  offset: number;
  token: string;
  type: AckType;
  delayMs?: number;
  lockDurationMs?: number;
  error?: string;
}

export type AckFailure = 'LOCK_LOST' | 'MAX_LOCK_EXCEEDED';

/**
 * One acknowledgement's result. `madeDeliverable`: a record became deliverable now or room
 * opened in the window (a record left it), so waiting receivers may get something.
 */
export type AckOutcome =
  | { ok: true; lockExpiresAtMs?: number; madeDeliverable: boolean }
  | {
      ok: false;
      code: AckFailure;
      message: string;
      madeDeliverable: boolean;
      /** The receipt named the current delivery but its lock had expired: that expiry was applied now. */
      lockExpired: boolean;
    };

/** What ending attempts (expiry, a member leaving) did. */
export interface AttemptEnds {
  madeAvailable: InFlightRecord[];
  archivals: Archival[];
  /** Records whose release delay fell due (deliverable again). */
  delayedDue: number;
  /** Locks whose expiry ended their attempt (made available or archived). */
  locksExpired: number;
  /** A record became deliverable now or room opened in the window (see `AckOutcome`). */
  madeDeliverable: boolean;
}

/** Counts of records in the window by state, plus what lag needs. */
export interface SharePartitionCounts {
  available: number;
  acquired: number;
  acknowledged: number;
  archived: number;
}

/**
 * One share group's view of one partition (KIP-932's SharePartition, improved): per-record
 * states, acquisition locks, delivery counts, delayed releases and the start offset. Pure: time
 * comes in as `nowMs`, tokens from `issueToken`; changes accumulate until `takeChanges`.
 *
 * Invariants: `startOffset <= endOffset`; each offset in [startOffset, endOffset) is either in
 * `pending` (AVAILABLE or ACQUIRED, kept in offset order) or in `done` (terminal); the number of
 * pending records never exceeds `maxInFlightRecords` through new fetches.
 */
export class SharePartition {
  private startOffset: number;
  private endOffset: number;
  private readonly pending = new Map<number, InFlightRecord>();
  private readonly done = new Map<number, InFlightRecord>();
  private readonly dirty = new Map<number, InFlightRecord>();
  private startMoved = false;
  private resetAll = false;
  private skippedByRetention = 0;
  private cachedDeadline: number | null | undefined;
  private readonly holds = new ExpiryHolds();

  constructor(
    private settings: SharePartitionSettings,
    snapshot: SharePartitionSnapshot,
  ) {
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

  /** New group settings; parked expiries are retried at once (something changed). */
  updateSettings(settings: SharePartitionSettings): void {
    this.settings = settings;
    this.holds.clear();
    this.cachedDeadline = undefined;
  }

  /**
   * Acquires up to `maxRecords` for `memberId`: first AVAILABLE records whose release delay is
   * due, in offset order, then new offsets up to `logEndOffset` while the window has room.
   * Each gets a lock until `nowMs + lockDurationMs`; all get one fresh token (one token per
   * acquisition keeps them one state run; the offset keeps each receipt unique).
   */
  acquire(
    memberId: string,
    maxRecords: number,
    logStartOffset: number,
    logEndOffset: number,
    nowMs: number,
    lockDurationMs: number,
    issueToken: () => string,
  ): InFlightRecord[] {
    this.skipTo(logStartOffset);
    const acquired: InFlightRecord[] = [];
    let token: string | undefined;
    const take = (record: InFlightRecord) => {
      assertTransition(record.state, RecordState.ACQUIRED);
      record.state = RecordState.ACQUIRED;
      record.deliveryCount += 1;
      record.memberId = memberId;
      record.token = token ??= issueToken();
      record.acquiredAtMs = nowMs;
      record.lockExpiresAtMs = nowMs + lockDurationMs;
      record.availableAtMs = null;
      this.touch(record);
      acquired.push({ ...record });
    };
    for (const record of this.pending.values()) {
      if (acquired.length >= maxRecords) break;
      if (record.state === RecordState.AVAILABLE && (record.availableAtMs ?? 0) <= nowMs)
        take(record);
    }
    while (
      acquired.length < maxRecords &&
      this.endOffset < logEndOffset &&
      this.pending.size < this.settings.maxInFlightRecords
    ) {
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
      take(record);
    }
    return acquired;
  }

  /**
   * Applies one acknowledgement. Refused with `LOCK_LOST` (and nothing changes) unless the
   * token names the record's current delivery and its lock has not expired; an expired lock is
   * ended on the spot (unless its expiry is parked, see `holdExpiry`). `reject`, and `release`
   * on the last allowed delivery, archive the record and add it to `archivals`.
   */
  acknowledge(
    request: AckRequest,
    nowMs: number,
    defaultLockMs: number,
    archivals: Archival[],
  ): AckOutcome {
    const record = this.pending.get(request.offset);
    if (!record || record.state !== RecordState.ACQUIRED || record.token !== request.token) {
      return {
        ok: false,
        code: 'LOCK_LOST',
        message: 'This receipt does not name the current delivery',
        madeDeliverable: false,
        lockExpired: false,
      };
    }
    if ((record.lockExpiresAtMs ?? 0) <= nowMs) {
      const lostLock = {
        ok: false,
        code: 'LOCK_LOST',
        message: 'The lock expired before this acknowledgement',
      } as const;
      // A parked expiry failed to be written before: leave the record as it is.
      if (this.isHeld(record, nowMs))
        return { ...lostLock, madeDeliverable: false, lockExpired: false };
      const available = this.endAttempt(record, AttemptEnd.EXPIRY, nowMs, archivals);
      this.advanceStart();
      return {
        ...lostLock,
        madeDeliverable: this.deliverableAfter(record, available),
        lockExpired: true,
      };
    }
    let madeDeliverable = true;
    switch (request.type) {
      case 'accept':
        this.finish(record, RecordState.ACKNOWLEDGED);
        break;
      case 'reject':
        this.finish(record, RecordState.ARCHIVED);
        archivals.push({
          offset: record.offset,
          deliveryCount: record.deliveryCount,
          reason: DeadLetterReason.CLIENT_REJECT,
          ...(request.error !== undefined ? { error: request.error } : {}),
        });
        break;
      case 'release':
        madeDeliverable = this.deliverableAfter(
          record,
          this.endAttempt(record, AttemptEnd.RELEASE, nowMs, archivals, request.delayMs),
        );
        break;
      case 'renew': {
        const capMs = (record.acquiredAtMs ?? nowMs) + this.settings.maxLockMs;
        const expiresAtMs = Math.min(nowMs + (request.lockDurationMs ?? defaultLockMs), capMs);
        if (expiresAtMs <= nowMs) {
          return {
            ok: false,
            code: 'MAX_LOCK_EXCEEDED',
            message: `This delivery has held its lock for the maximum of ${this.settings.maxLockMs} ms`,
            madeDeliverable: false,
            lockExpired: false,
          };
        }
        record.lockExpiresAtMs = expiresAtMs;
        this.touch(record);
        return { ok: true, lockExpiresAtMs: expiresAtMs, madeDeliverable: false };
      }
    }
    this.advanceStart();
    return { ok: true, madeDeliverable };
  }

  /**
   * Ends every lock that has expired at `nowMs`, and clears the release delays that fell due
   * (so that they stop being deadlines). Parked records (`holdExpiry`) are left alone.
   */
  expireLocks(nowMs: number): AttemptEnds {
    let delayedDue = 0;
    for (const record of this.pending.values()) {
      if (
        record.state === RecordState.AVAILABLE &&
        record.availableAtMs !== null &&
        record.availableAtMs <= nowMs &&
        !this.isHeld(record, nowMs)
      ) {
        record.availableAtMs = null;
        this.touch(record);
        delayedDue += 1;
      }
    }
    const ends = this.endAttempts(
      (r) => (r.lockExpiresAtMs ?? Infinity) <= nowMs && !this.isHeld(r, nowMs),
      AttemptEnd.EXPIRY,
      nowMs,
    );
    return {
      ...ends,
      delayedDue: ends.delayedDue + delayedDue,
      madeDeliverable: ends.madeDeliverable || delayedDue > 0,
    };
  }

  /** Offsets whose deadline (lock end or release delay) is due at `nowMs` and not parked. */
  dueOffsets(nowMs: number): number[] {
    const due: number[] = [];
    for (const r of this.pending.values()) {
      const at = r.state === RecordState.ACQUIRED ? r.lockExpiresAtMs : r.availableAtMs;
      if (at !== null && at <= nowMs && !this.isHeld(r, nowMs)) due.push(r.offset);
    }
    return due;
  }

  /**
   * Parks the attempt end of the records at `offsets` until `untilMs`, after writing it failed:
   * they stay as they are, `expireLocks` and acknowledgements leave them alone, and
   * `nextDeadline` reports `untilMs` for them instead of their overdue deadline. Ends when the
   * record moves on or the settings change. Returns the offsets parked for the first time in
   * their current delivery (a retry that fails again is not new).
   */
  holdExpiry(offsets: readonly number[], untilMs: number): number[] {
    const first: number[] = [];
    for (const offset of offsets) {
      const record = this.pending.get(offset);
      if (record && this.holds.hold(offset, record.token, untilMs)) first.push(offset);
    }
    this.holds.prune((offset) => this.pending.get(offset)?.token);
    this.cachedDeadline = undefined;
    return first;
  }

  /** Its state now, as a new `SharePartition` would start from it (to undo a change not written). */
  snapshot(): SharePartitionSnapshot {
    return {
      startOffset: this.startOffset,
      endOffset: this.endOffset,
      records: [...this.pending.values(), ...this.done.values()].map((r) => ({ ...r })),
    };
  }

  /** Takes over the parked expiries of `previous` (this partition reloaded after a rollback). */
  adoptHolds(previous: SharePartition): void {
    for (const [offset, token, untilMs] of previous.holds.entries()) {
      if (this.pending.get(offset)?.token === token) this.holds.hold(offset, token, untilMs);
    }
    this.cachedDeadline = undefined;
  }

  /** Ends the attempts of every record `memberId` holds (its connection closed). */
  releaseMember(memberId: string, nowMs: number): AttemptEnds {
    return this.endAttempts((r) => r.memberId === memberId, AttemptEnd.MEMBER_LEFT, nowMs);
  }

  /**
   * Gives back deliveries that never reached a worker (the subscription they were acquired for
   * closed before they were sent): each record still ACQUIRED under that delivery's token
   * becomes AVAILABLE at once with its delivery count restored (Kafka's
   * `DeliveryCountOps.DECREASE`). No backoff and no delivery-limit check: nobody saw this
   * delivery, so it must not count towards dead-lettering. Returns the records made available.
   */
  releaseUnsent(deliveries: ReadonlyArray<{ offset: number; token: string }>): InFlightRecord[] {
    const released: InFlightRecord[] = [];
    for (const { offset, token } of deliveries) {
      const record = this.pending.get(offset);
      if (!record || record.state !== RecordState.ACQUIRED || record.token !== token) continue;
      assertTransition(record.state, RecordState.AVAILABLE);
      record.state = RecordState.AVAILABLE;
      record.deliveryCount = Math.max(0, record.deliveryCount - 1);
      record.memberId = null;
      record.lockExpiresAtMs = null;
      record.availableAtMs = null;
      this.touch(record);
      released.push({ ...record });
    }
    return released;
  }

  /** Moves the start and end to `offset`, forgetting every in-flight record (a reset). */
  resetTo(offset: number): void {
    this.pending.clear();
    this.done.clear();
    this.dirty.clear();
    this.startOffset = offset;
    this.endOffset = offset;
    this.resetAll = true;
    this.holds.clear();
    this.cachedDeadline = undefined;
  }

  /**
   * The earliest time something here needs attention: a lock to expire, a delayed record to
   * become deliverable, or a parked expiry to retry. Null when nothing is pending on time.
   */
  nextDeadline(): number | null {
    if (this.cachedDeadline !== undefined) return this.cachedDeadline;
    let deadline = Infinity;
    for (const r of this.pending.values()) {
      let at = r.state === RecordState.ACQUIRED ? r.lockExpiresAtMs : r.availableAtMs;
      const heldUntil = this.holds.size > 0 ? this.holds.heldUntil(r.offset, r.token) : undefined;
      if (at !== null && heldUntil !== undefined) at = Math.max(at, heldUntil);
      if (at !== null && at < deadline) deadline = at;
    }
    this.cachedDeadline = deadline === Infinity ? null : deadline;
    return this.cachedDeadline;
  }

  /** True when a receive at `nowMs` could get something without a new produce. */
  hasDeliverable(nowMs: number, logEndOffset: number): boolean {
    if (this.endOffset < logEndOffset && this.pending.size < this.settings.maxInFlightRecords)
      return true;
    for (const r of this.pending.values()) {
      if (r.state === RecordState.AVAILABLE && (r.availableAtMs ?? 0) <= nowMs) return true;
    }
    return false;
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

  /** A copy of the record at `offset`, if it is in the window. */
  record(offset: number): InFlightRecord | undefined {
    const r = this.pending.get(offset) ?? this.done.get(offset);
    return r ? { ...r } : undefined;
  }

  /** Offsets `memberId` holds now. */
  heldBy(memberId: string): number[] {
    return [...this.pending.values()].filter((r) => r.memberId === memberId).map((r) => r.offset);
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

  private endAttempts(
    match: (r: InFlightRecord) => boolean,
    how: AttemptEnd,
    nowMs: number,
  ): AttemptEnds {
    const result: AttemptEnds = {
      madeAvailable: [],
      archivals: [],
      delayedDue: 0,
      locksExpired: 0,
      madeDeliverable: false,
    };
    for (const record of [...this.pending.values()]) {
      if (record.state !== RecordState.ACQUIRED || !match(record)) continue;
      const available = this.endAttempt(record, how, nowMs, result.archivals);
      if (available) result.madeAvailable.push({ ...record });
      if (how === AttemptEnd.EXPIRY) result.locksExpired += 1;
      if (this.deliverableAfter(record, available)) result.madeDeliverable = true;
    }
    this.advanceStart();
    return result;
  }

  /**
   * After an attempt ended: true when the record is deliverable at once (AVAILABLE without a
   * delay) or left the window (ARCHIVED), which makes room for a new offset.
   */
  private deliverableAfter(record: InFlightRecord, madeAvailable: boolean): boolean {
    return !madeAvailable || record.availableAtMs === null;
  }

  private isHeld(record: InFlightRecord, nowMs: number): boolean {
    if (this.holds.size === 0) return false;
    const until = this.holds.heldUntil(record.offset, record.token);
    return until !== undefined && until > nowMs;
  }

  /** Ends the current attempt: AVAILABLE (after a delay), or ARCHIVED on the last delivery. */
  private endAttempt(
    record: InFlightRecord,
    how: AttemptEnd,
    nowMs: number,
    archivals: Archival[],
    delayMs?: number,
  ): boolean {
    if (record.deliveryCount >= this.settings.maxDeliveryCount) {
      this.finish(record, RecordState.ARCHIVED);
      archivals.push({
        offset: record.offset,
        deliveryCount: record.deliveryCount,
        reason: DeadLetterReason.DELIVERY_COUNT_EXCEEDED,
        ...(how === AttemptEnd.EXPIRY ? { error: 'acquisition lock expired' } : {}),
      });
      return false;
    }
    assertTransition(record.state, RecordState.AVAILABLE);
    const delay = delayMs ?? backoffDelayMs(this.settings.backoff, record.deliveryCount);
    record.state = RecordState.AVAILABLE;
    record.memberId = null;
    record.lockExpiresAtMs = null;
    record.availableAtMs = delay > 0 ? nowMs + delay : null;
    this.touch(record);
    return true;
  }

  private finish(record: InFlightRecord, state: RecordState): void {
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
  private advanceStart(): void {
    while (this.startOffset < this.endOffset && this.done.has(this.startOffset)) {
      this.done.delete(this.startOffset);
      this.dirty.delete(this.startOffset);
      this.startOffset += 1;
      this.startMoved = true;
    }
  }

  /** Records retention deleted before they were done, since the last call. */
  takeSkippedByRetention(): number {
    const skipped = this.skippedByRetention;
    this.skippedByRetention = 0;
    return skipped;
  }

  /** Retention moved the log start past the window: forget what is gone. */
  private skipTo(logStartOffset: number): void {
    if (this.startOffset >= logStartOffset) return;
    this.skippedByRetention += Math.max(0, logStartOffset - this.endOffset);
    for (const offset of [...this.pending.keys(), ...this.done.keys()]) {
      if (offset >= logStartOffset) continue;
      if (this.pending.has(offset)) this.skippedByRetention += 1;
      this.pending.delete(offset);
      this.done.delete(offset);
      this.dirty.delete(offset);
    }
    this.startOffset = logStartOffset;
    this.endOffset = Math.max(this.endOffset, logStartOffset);
    this.startMoved = true;
    this.cachedDeadline = undefined;
  }

  private touch(record: InFlightRecord): void {
    this.dirty.set(record.offset, record);
    this.cachedDeadline = undefined;
  }
}
