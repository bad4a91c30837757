import { RecordState } from './record-state';

/** The share-group state of one record above the share partition's start offset. */
export interface InFlightRecord {
  offset: number;
  state: RecordState;
  /** Acquisitions so far: 1 on first delivery, +1 on each re-acquisition. */
  deliveryCount: number;
  /** Member holding the lock while ACQUIRED, else null. */
  memberId: string | null;
  /** Token of the latest delivery; a receipt with another token is refused. */
  token: string | null;
  /** When the latest delivery started (for the `maxLockMs` cap on renewals). */
  acquiredAtMs: number | null;
  /** While ACQUIRED: when the lock ends. */
  lockExpiresAtMs: number | null;
  /** While AVAILABLE after a delayed release: not deliverable before this time. */
  availableAtMs: number | null;
}

/** Why a record was dead-lettered. */
export const DeadLetterReason = {
  CLIENT_REJECT: 'CLIENT_REJECT',
  DELIVERY_COUNT_EXCEEDED: 'DELIVERY_COUNT_EXCEEDED',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** A record that was just ARCHIVED and must be dead-lettered in the same transaction. */
export interface Archival {
  offset: number;
  deliveryCount: number;
  reason: DeadLetterReason;
  error?: string;
}

/** How a delivery attempt ended without an accept or reject. */
export const AttemptEnd = {
  RELEASE: 'release',
  EXPIRY: 'expiry',
  MEMBER_LEFT: 'member_left',
} as const;
export type AttemptEnd = (typeof AttemptEnd)[keyof typeof AttemptEnd];
