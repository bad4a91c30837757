/**
 * The one catalogue of error codes the broker answers with. Each code has exactly one HTTP
 * status, declared in `common/http/error-status.ts`.
 */
export const ErrorCode = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  JSON_TOO_DEEP: 'JSON_TOO_DEEP',
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
  URL_TOO_LONG: 'URL_TOO_LONG',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  SUBSCRIPTION_NOT_FOUND: 'SUBSCRIPTION_NOT_FOUND',
  INVALID_GROUP_NAME: 'INVALID_GROUP_NAME',
  GROUP_NOT_FOUND: 'GROUP_NOT_FOUND',
  GROUP_NOT_EMPTY: 'GROUP_NOT_EMPTY',
  MEMBER_NOT_FOUND: 'MEMBER_NOT_FOUND',
  STALE_GENERATION: 'STALE_GENERATION',
  NOT_PARTITION_OWNER: 'NOT_PARTITION_OWNER',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  INVALID_SESSION_TIMEOUT: 'INVALID_SESSION_TIMEOUT',
  INVALID_RECEIPT: 'INVALID_RECEIPT',
  LOCK_LOST: 'LOCK_LOST',
  MAX_LOCK_EXCEEDED: 'MAX_LOCK_EXCEEDED',
  INVALID_LOCK_DURATION: 'INVALID_LOCK_DURATION',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  TOO_MANY_MEMBERS: 'TOO_MANY_MEMBERS',
  NOT_READY: 'NOT_READY',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error body every transport answers with. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** A failure the client can act on: a stable code, a human message and optional details. */
export class BrokerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'BrokerError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * A request for a partition could be served neither here nor at its owner (a takeover in
 * progress, or the owner did not answer): `NOT_PARTITION_OWNER` with `details: { owner, url }`
 * (null when unknown), retriable. Unlike a stream commit refused for a member that does not own
 * a partition (409), it is answered 503: the request was right, the cluster was not ready.
 */
export class PartitionOwnerUnavailableError extends BrokerError {
  constructor(
    message: string,
    details: { owner: string | null; url: string | null; [more: string]: unknown },
  ) {
    super(ErrorCode.NOT_PARTITION_OWNER, message, details);
  }
}
