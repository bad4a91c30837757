import { AttemptEnd, Archival, DeadLetterReason, InFlightRecord } from './in-flight-record';
import { backoffDelayMs } from './backoff';
import { KeyLookup } from './keyed-window';
import { RecordState } from './record-state';
import type {
  AckOutcome,
  AckRequest,
  AttemptEnds,
  SharePartitionSettings,
  SharePartitionSnapshot,
} from './share-partition-types';
import { TimedWindow } from './timed-window';

/**
 * One share group's view of one partition (KIP-932's SharePartition, improved): per-record
 * states, acquisition locks, delivery counts, delayed releases, the start offset and, with
 * ordering `key`, the order of each key. Pure: time comes in as `nowMs`, tokens from
 * `issueToken`; changes accumulate until `takeChanges`. Built in layers, one concept each:
 * `RecordWindow` (states and offsets), `KeyedWindow` (keys), `TimedWindow` (deadlines); this
 * class holds the rules.
 *
 * Invariants: `startOffset <= endOffset`; each offset in [startOffset, endOffset) is either
 * pending (AVAILABLE or ACQUIRED, kept in offset order) or done (terminal); new fetches never
 * take the pending records that do not wait on their key past `maxInFlightRecords`.
 */
export class SharePartition extends TimedWindow {
  constructor(
    private settings: SharePartitionSettings,
    snapshot: SharePartitionSnapshot,
  ) {
    super(snapshot);
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

  protected get maxInFlightRecords(): number {
    return this.settings.maxInFlightRecords;
  }

  /**
   * Acquires up to `maxRecords` for `memberId`: first AVAILABLE records whose release delay is
   * due, then new offsets up to `logEndOffset` while the window has room. Each gets a lock until
   * `nowMs + lockDurationMs`; all get one fresh token (one token per acquisition keeps them one
   * state run; the offset keeps each receipt unique).
   *
   * With ordering `key`, only records that do not wait on their key are acquired (see
   * `KeyOrder`), and new offsets are fetched only while `keyOf` knows their key (the shell reads
   * them from the log; `learnKeys` first for the pending records); records waiting on their key
   * are held beside the window (see `KeyedWindow`).
   */
  acquire(
    memberId: string,
    maxRecords: number,
    logStartOffset: number,
    logEndOffset: number,
    nowMs: number,
    lockDurationMs: number,
    issueToken: () => string,
    keyOf?: KeyLookup,
  ): InFlightRecord[] {
    this.skipTo(logStartOffset);
    const acquired: InFlightRecord[] = [];
    let token: string | undefined;
    const take = (record: InFlightRecord) => {
      token ??= issueToken();
      this.lock(record, memberId, token, nowMs, nowMs + lockDurationMs);
      acquired.push({ ...record });
    };
    for (const record of this.candidates()) {
      if (acquired.length >= maxRecords) break;
      if (isDue(record, nowMs)) take(record);
    }
    while (acquired.length < maxRecords) {
      const record = this.fetchOne(logEndOffset, keyOf);
      if (record === undefined) break;
      if (record !== null) take(record);
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

  /** True when a receive at `nowMs` could get something without a new produce. */
  hasDeliverable(nowMs: number, logEndOffset: number): boolean {
    if (this.end < logEndOffset && this.hasRoom()) return true;
    // keys not known yet are learnt by the next acquisition
    if (this.keyOrdered && !this.keysKnown()) return true;
    for (const r of this.candidates()) if (isDue(r, nowMs)) return true;
    return false;
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
}

/** AVAILABLE and past its release delay, if any. */
function isDue(record: InFlightRecord, nowMs: number): boolean {
  return record.state === RecordState.AVAILABLE && (record.availableAtMs ?? 0) <= nowMs;
}
