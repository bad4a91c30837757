/**
 * Error codes a client meets: the broker's catalogue (as its API answers them) and the few the
 * client raises itself when no usable answer came (`NETWORK_ERROR`, `TIMEOUT`, `CLOSED`,
 * `BAD_RESPONSE`).
 */
export const WeirErrorCode = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  INVALID_TOPIC_NAME: 'INVALID_TOPIC_NAME',
  INVALID_PARTITION_COUNT: 'INVALID_PARTITION_COUNT',
  INVALID_CONFIG: 'INVALID_CONFIG',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  TOPIC_NOT_FOUND: 'TOPIC_NOT_FOUND',
  PARTITION_NOT_FOUND: 'PARTITION_NOT_FOUND',
  TOPIC_ALREADY_EXISTS: 'TOPIC_ALREADY_EXISTS',
  OFFSET_OUT_OF_RANGE: 'OFFSET_OUT_OF_RANGE',
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  SUBSCRIPTION_NOT_FOUND: 'SUBSCRIPTION_NOT_FOUND',
  INVALID_GROUP_NAME: 'INVALID_GROUP_NAME',
  GROUP_NOT_FOUND: 'GROUP_NOT_FOUND',
  GROUP_NOT_EMPTY: 'GROUP_NOT_EMPTY',
  MEMBER_NOT_FOUND: 'MEMBER_NOT_FOUND',
  STALE_GENERATION: 'STALE_GENERATION',
  NOT_PARTITION_OWNER: 'NOT_PARTITION_OWNER',
  INVALID_SESSION_TIMEOUT: 'INVALID_SESSION_TIMEOUT',
  INVALID_RECEIPT: 'INVALID_RECEIPT',
  LOCK_LOST: 'LOCK_LOST',
  MAX_LOCK_EXCEEDED: 'MAX_LOCK_EXCEEDED',
  INVALID_LOCK_DURATION: 'INVALID_LOCK_DURATION',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  NOT_READY: 'NOT_READY',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The broker could not be reached, or the connection broke before an answer. */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** No answer within the request's deadline. */
  TIMEOUT: 'TIMEOUT',
  /** The client (or its socket) was closed while the request waited. */
  CLOSED: 'CLOSED',
  /** The broker answered something that is not the API's JSON. */
  BAD_RESPONSE: 'BAD_RESPONSE',
} as const;
export type WeirErrorCode = (typeof WeirErrorCode)[keyof typeof WeirErrorCode];

/** HTTP statuses worth a retry: the broker is starting, stopping or behind a failing proxy. */
const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const RETRIABLE_CODES: ReadonlySet<string> = new Set([
  WeirErrorCode.NETWORK_ERROR,
  WeirErrorCode.TIMEOUT,
  WeirErrorCode.CLOSED,
]);

/**
 * A failure answered by the broker (its `code`, HTTP `status` and `details`, from
 * `{ "error": { code, message, details } }`) or raised by the client's transport (`status` 0).
 */
export class WeirError extends Error {
  constructor(
    /** One of {@link WeirErrorCode}, or a code this client version does not know yet. */
    readonly code: WeirErrorCode | (string & {}),
    message: string,
    /** The HTTP status; 0 when no HTTP answer came (network errors, WebSocket frames). */
    readonly status = 0,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'WeirError';
  }

  /**
   * Whether trying again later may succeed: network errors, timeouts, a closed socket, and
   * 429, 502, 503 (`NOT_READY`, `SHUTTING_DOWN`), 504. A 500 is not retried: the broker
   * failed in a way a retry does not mend.
   */
  get retriable(): boolean {
    return RETRIABLE_CODES.has(this.code) || RETRIABLE_STATUSES.has(this.status);
  }
}

/**
 * Thrown by a share-group handler for a record that will never succeed (a bad payload): the
 * consumer rejects the record, which dead-letters it at once with this message as its error.
 */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetriableError';
  }
}

/** Whether `error` is a {@link WeirError} with `code`. */
export function hasErrorCode(error: unknown, code: WeirErrorCode): error is WeirError {
  return error instanceof WeirError && error.code === code;
}

/** Whether `error` is worth a retry (see {@link WeirError.retriable}). */
export function isRetriable(error: unknown): boolean {
  return error instanceof WeirError && error.retriable;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
