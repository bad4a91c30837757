import { Archival, InFlightRecord } from './in-flight-record';
import { BackoffPolicy } from './backoff';
import type { Ordering } from './key-order';
import { StateRun } from './state-runs';

/** The group settings a share partition applies. */
export interface SharePartitionSettings {
  maxDeliveryCount: number;
  maxInFlightRecords: number;
  /** Cap on the total lock time of one delivery, renewals included. */
  maxLockMs: number;
  backoff: BackoffPolicy;
  /** `key`: a record waits while an earlier record of its key is not finished. Default `none`. */
  ordering?: Ordering;
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

/** Per-key ordering in a share partition now (zero with ordering `none`). */
export interface KeyOrderCounts {
  /** Fetched records waiting for an earlier record of their key to finish. */
  waiting: number;
  /** Distinct keys with a record not finished. */
  keysInFlight: number;
}
