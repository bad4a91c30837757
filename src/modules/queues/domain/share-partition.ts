import { AttemptEnd, Archival, DeadLetterReason, InFlightRecord } from './in-flight-record';
import { backoffDelayMs } from './backoff';
import { KEY_WAITING_PER_WINDOW, KeyOrder, MAX_KEY_WAITING, OrderingKey } from './key-order';
import { PartitionDeadlines } from './partition-deadlines';
import { RecordState } from './record-state';
import { RecordWindow } from './record-window';
import type {
  AckOutcome,
  AckRequest,
  AttemptEnds,
  KeyOrderCounts,
  SharePartitionSettings,
  SharePartitionSnapshot,
} from './share-partition-types';

/**
 * One share group's view of one partition (KIP-932's SharePartition, improved): per-record
 * states, acquisition locks, delivery counts, delayed releases and the start offset. Pure: time
 * comes in as `nowMs`, tokens from `issueToken`; changes accumulate until `takeChanges`.
 *
 * Invariants: `startOffset <= endOffset`; each offset in [startOffset, endOffset) is either in
 * `pending` (AVAILABLE or ACQUIRED, kept in offset order) or in `done` (terminal); the number of
 * pending records never exceeds `maxInFlightRecords` through new fetches.
 */
export class SharePartition extends RecordWindow {
  private readonly deadlines: PartitionDeadlines;
  private readonly keyOrder = new KeyOrder();

  constructor(
    private settings: SharePartitionSettings,
    snapshot: SharePartitionSnapshot,
  ) {
    super(snapshot);
    this.deadlines = new PartitionDeadlines(this.pending);
  }

  /** New group settings; parked expiries are retried at once (something changed). */
  updateSettings(settings: SharePartitionSettings): void {
    this.settings = settings;
    this.deadlines.clear();
  }

  /** True when the group orders records by key (see `acquire`). */
  get keyOrdered(): boolean {
    return this.settings.ordering === 'key';
  }

  /**
   * Acquires up to `maxRecords` for `memberId`: first AVAILABLE records whose release delay is
   * due, then new offsets up to `logEndOffset` while the window has room. Each gets a lock until
   * `nowMs + lockDurationMs`; all get one fresh token (one token per acquisition keeps them one
   * state run; the offset keeps each receipt unique).
   *
   * With ordering `key`, only records that do not wait on their key are acquired (see
   * `KeyOrder`), and new offsets are fetched only while `keyOf` knows their key (the shell reads
   * them from the log; `learnKeys` first for the pending records). Records waiting on their key
   * do not take room in the window: they are held beside it, up to `KEY_WAITING_PER_WINDOW`
   * times its size, so that one key's backlog never keeps other keys from being fetched.
   */
  acquire(
    memberId: string,
    maxRecords: number,
    logStartOffset: number,
    logEndOffset: number,
    nowMs: number,
    lockDurationMs: number,
    issueToken: () => string,
    keyOf?: (offset: number) => OrderingKey | null | undefined,
  ): InFlightRecord[] {
    this.skipTo(logStartOffset);
    const acquired: InFlightRecord[] = [];
    let token: string | undefined;
    const take = (record: InFlightRecord) => {
      token ??= issueToken();
      this.lock(record, memberId, token, nowMs, nowMs + lockDurationMs);
      acquired.push({ ...record });
    };
    if (this.keyOrdered) {
      if (!this.keysKnown()) return acquired;
      for (const offset of this.keyOrder.heads) {
        if (acquired.length >= maxRecords) break;
        const record = this.pending.get(offset)!;
        if (isDue(record, nowMs)) take(record);
      }
    } else {
      for (const record of this.pending.values()) {
        if (acquired.length >= maxRecords) break;
        if (isDue(record, nowMs)) take(record);
      }
    }
    while (acquired.length < maxRecords && this.end < logEndOffset && this.hasRoom()) {
      if (!this.keyOrdered) {
        take(this.fetchNext());
        continue;
      }
      const key = keyOf?.(this.end);
      if (key === undefined) break;
      const waits = this.keyOrder.wouldWait(key);
      const record = this.fetchNext();
      this.keyOrder.learn(record.offset, key);
      if (waits) this.touch(record);
      else take(record);
    }
    return acquired;
  }

  /**
   * True when `acquire` could fetch new offsets below `logEndOffset` now. With ordering `key`
   * it then needs their keys from `end` on.
   */
  canFetch(logEndOffset: number): boolean {
    return this.end < logEndOffset && this.hasRoom() && this.keysKnown();
  }

  /** Pending offsets whose key is not known yet (ordering `key`; after a load), ascending. */
  unknownKeys(): number[] {
    if (!this.keyOrdered || this.keysKnown()) return [];
    return [...this.pending.keys()].filter((offset) => !this.keyOrder.knows(offset));
  }

  /** The keys of pending records, as the log holds them (null: no key). */
  learnKeys(keys: Iterable<readonly [number, OrderingKey | null]>): void {
    for (const [offset, key] of keys)
      if (this.pending.has(offset)) this.keyOrder.learn(offset, key);
  }

  /** Records waiting on their key, and keys with a record not finished. */
  keyOrderCounts(): KeyOrderCounts {
    if (!this.keyOrdered) return { waiting: 0, keysInFlight: 0 };
    return { waiting: this.keyOrder.waiting, keysInFlight: this.keyOrder.keysInFlight };
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
    for (const record of this.deadlines.records()) {
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
  adoptHolds(previous: SharePartition): void {
    this.deadlines.adopt(previous.deadlines);
    this.keyOrder.adopt(previous.keyOrder, this.pending.keys());
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
      record.deliveryCount = Math.max(0, record.deliveryCount - 1);
      this.unlock(record, null);
      released.push({ ...record });
    }
    return released;
  }

  /**
   * The earliest time something here needs attention: a lock to expire, a delayed record to
   * become deliverable, or a parked expiry to retry. Null when nothing is pending on time.
   */
  nextDeadline(): number | null {
    return this.deadlines.next();
  }

  /** True when a receive at `nowMs` could get something without a new produce. */
  hasDeliverable(nowMs: number, logEndOffset: number): boolean {
    if (this.end < logEndOffset && this.hasRoom()) return true;
    if (!this.keyOrdered) {
      for (const r of this.pending.values()) if (isDue(r, nowMs)) return true;
      return false;
    }
    // keys not known yet are learnt by the next acquisition
    if (!this.keysKnown()) return true;
    for (const offset of this.keyOrder.heads)
      if (isDue(this.pending.get(offset)!, nowMs)) return true;
    return false;
  }

  /**
   * Room to fetch: the window holds at most `maxInFlightRecords` records that do not wait on
   * their key; those that do are bounded on their own.
   */
  private hasRoom(): boolean {
    const max = this.settings.maxInFlightRecords;
    if (!this.keyOrdered) return this.pending.size < max;
    const waiting = this.keyOrder.waiting;
    const maxWaiting = Math.min(max * KEY_WAITING_PER_WINDOW, MAX_KEY_WAITING);
    return this.pending.size - waiting < max && waiting < maxWaiting;
  }

  private keysKnown(): boolean {
    return this.keyOrder.known === this.pending.size;
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
    // every ACQUIRED record has a deadline (its lock)
    for (const record of this.deadlines.records()) {
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
    return this.deadlines.isHeld(record, nowMs);
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
    const delay = delayMs ?? backoffDelayMs(this.settings.backoff, record.deliveryCount);
    this.unlock(record, delay > 0 ? nowMs + delay : null);
    return true;
  }

  /** Moves the start and end to `offset`, forgetting every in-flight record (a reset). */
  override resetTo(offset: number): void {
    super.resetTo(offset);
    this.deadlines.reset();
    this.keyOrder.clear();
  }

  protected override skipTo(logStartOffset: number): InFlightRecord[] | false {
    const dropped = super.skipTo(logStartOffset);
    if (dropped === false) return false;
    for (const record of dropped) this.keyOrder.forget(record.offset);
    this.deadlines.forget(dropped.map((r) => r.offset));
    return dropped;
  }

  protected override finish(record: InFlightRecord, state: RecordState): void {
    super.finish(record, state);
    this.keyOrder.forget(record.offset);
  }

  protected override touch(record: InFlightRecord): void {
    super.touch(record);
    this.deadlines.changed(record);
  }
}

/** AVAILABLE and past its release delay, if any. */
function isDue(record: InFlightRecord, nowMs: number): boolean {
  return record.state === RecordState.AVAILABLE && (record.availableAtMs ?? 0) <= nowMs;
}
