/**
 * How PostgreSQL and network failures surface through the storage port. Port errors
 * (`MissingPartitionError`, `NameTakenError`) are thrown by the operations themselves; every
 * failure to reach a writable primary becomes a `StorageUnavailableError`.
 */

import { BrokerError, ErrorCode } from '../../common/errors';

/** The codes of errors this adapter raises itself. */
export const StorageErrorCode = {
  UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  CLOSED: 'STORAGE_CLOSED',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/**
 * No writable primary could be reached, a connection broke, a lock could not be had within
 * `lockTimeoutMs`, or the server is shutting down. Retriable. `outcomeUnknown` is true when the
 * connection broke after COMMIT was sent: the write may or may not have committed.
 */
export class StorageUnavailableError extends BrokerError {
  override readonly name = 'StorageUnavailableError';

  constructor(
    message: string,
    readonly outcomeUnknown = false,
    options?: { cause?: unknown },
  ) {
    // Answered 503 STORAGE_UNAVAILABLE (API.md "Cluster"): retriable.
    super(
      ErrorCode.STORAGE_UNAVAILABLE,
      `The database cannot be reached now (${message}); retry shortly`,
      outcomeUnknown ? { outcomeUnknown } : undefined,
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A call after `close()`. */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  readonly code = StorageErrorCode.CLOSED;

  constructor() {
    super('storage is closed');
  }
}

/** SQLSTATE codes the adapter reacts to. */
export const SqlState = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  READ_ONLY_TRANSACTION: '25006',
  DEADLOCK_DETECTED: '40P01',
  SERIALIZATION_FAILURE: '40001',
  LOCK_NOT_AVAILABLE: '55P03',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  TOO_MANY_CONNECTIONS: '53300',
  IDLE_IN_TRANSACTION_TIMEOUT: '25P03',
} as const;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const UNAVAILABLE_STATES = new Set<string>([
  SqlState.ADMIN_SHUTDOWN,
  SqlState.CRASH_SHUTDOWN,
  SqlState.CANNOT_CONNECT_NOW,
  SqlState.TOO_MANY_CONNECTIONS,
  SqlState.IDLE_IN_TRANSACTION_TIMEOUT,
]);

/** The SQLSTATE or errno code of an error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True for failures of the connection or the server rather than of the statement: network
 * errors, connection-class SQLSTATEs (08xxx), shutdowns, and node-postgres's own messages for a
 * broken or timed-out connection. After one, the primary is looked up again.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) {
      return true;
    }
  }
  if (!(error instanceof Error)) return false;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Connection ended|Query read timeout/i.test(
    error.message,
  );
}

/** True when the server refused a write because it is (now) a standby. */
export function isReadOnlyFailure(error: unknown): boolean {
  return errorCode(error) === SqlState.READ_ONLY_TRANSACTION;
}

/** True for failures after which the whole transaction may simply run again. */
export function isTransientConflict(error: unknown): boolean {
  const code = errorCode(error);
  return code === SqlState.DEADLOCK_DETECTED || code === SqlState.SERIALIZATION_FAILURE;
}

/**
 * The partition named by a foreign-key violation of `constraint` (a partition that does not
 * exist), read from the error's detail `Key (topic_id, partition)=(5, 3) is not present ...`.
 */
export function missingPartitionOf(
  error: unknown,
  constraint: string,
): { topicId: number; partition: number } | null {
  if (errorCode(error) !== SqlState.FOREIGN_KEY_VIOLATION) return null;
  const e = error as { constraint?: unknown; detail?: unknown };
  if (e.constraint !== constraint || typeof e.detail !== 'string') return null;
  const match = /\(topic_id, partition\)=\((\d+), (\d+)\)/.exec(e.detail);
  return match ? { topicId: Number(match[1]), partition: Number(match[2]) } : null;
}
