import { AckOutcome } from './ack-queue';
import { WeirErrorCode } from './errors';
import { ShareRecord } from './records';

/** Renews one receipt's lock; resolves with the broker's answer. */
export type RenewLock = (receipt: string) => Promise<AckOutcome>;

/** What a renewal tells its owner. */
export interface RenewalListener {
  renewed(): void;
  /** The broker refused the renewal for good (`LOCK_LOST`, `MAX_LOCK_EXCEEDED`, ...). */
  refused(outcome: Extract<AckOutcome, { ok: false }>): void;
}

/**
 * A record whose handler runs: its current receipt, and a timer that renews the lock each time
 * `renewFraction` of it has passed, until the handler ends. A redelivery of the same record
 * (after a reconnect or an expired lock) is adopted: the handler keeps running under the new
 * receipt instead of running twice. When the lock is lost for good, `signal` aborts.
 */
export class InFlightDelivery {
  private current: ShareRecord;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private lockLost = false;
  /** Made on first use: most handlers never look at their signal. */
  private controller: AbortController | undefined;

  constructor(
    record: ShareRecord,
    private readonly lockDurationMs: number | undefined,
    private readonly renewFraction: number,
    private readonly renew: RenewLock,
    private readonly listener: RenewalListener,
  ) {
    this.current = record;
    this.scheduleRenewal(record.lockExpiresAtMs);
  }

  /** The delivery the handler's outcome answers. */
  get record(): ShareRecord {
    return this.current;
  }

  /** Aborts when the lock is lost for good: the handler may stop early. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.lockLost && !this.controller.signal.aborted) this.abort();
    return this.controller.signal;
  }

  /** True when the broker said the current receipt no longer holds the record. */
  get isLost(): boolean {
    return this.lockLost;
  }

  /** Takes over a redelivery of the same record: its receipt and lock replace the old ones. */
  adopt(redelivery: ShareRecord): void {
    this.current = redelivery;
    this.lockLost = false;
    this.scheduleRenewal(redelivery.lockExpiresAtMs);
  }

  /** The handler ended: no more renewals. */
  finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
  }

  private abort(): void {
    this.controller?.abort(new Error('the lock was lost'));
  }

  private scheduleRenewal(lockExpiresAtMs: number): void {
    clearTimeout(this.timer);
    if (this.finished) return;
    // Without an explicit duration, the lock lasts what is left of it now (clocks agree closely).
    const durationMs = this.lockDurationMs ?? Math.max(1000, lockExpiresAtMs - Date.now());
    const receipt = this.current.receipt;
    this.timer = setTimeout(() => void this.renewNow(receipt), durationMs * this.renewFraction);
  }

  private async renewNow(receipt: string): Promise<void> {
    const outcome = await this.renew(receipt);
    if (this.finished || receipt !== this.current.receipt) return;
    if (outcome.ok) {
      this.listener.renewed();
      this.scheduleRenewal(outcome.lockExpiresAtMs ?? Date.now() + (this.lockDurationMs ?? 0));
      return;
    }
    if (outcome.code === WeirErrorCode.LOCK_LOST) {
      this.lockLost = true;
      this.abort();
    }
    this.listener.refused(outcome);
  }
}
