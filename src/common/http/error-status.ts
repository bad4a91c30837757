import { HttpStatus } from '@nestjs/common';
import { ErrorCode, PartitionOwnerUnavailableError } from '../errors';

/** Not in Nest's `HttpStatus`: the request line and headers pass Node's limit (RFC 6585). */
const REQUEST_HEADER_FIELDS_TOO_LARGE = 431 as HttpStatus;

/** Every error code's HTTP status: a code without one does not compile. */
export const ERROR_STATUS: Record<ErrorCode, HttpStatus> = {
  INVALID_REQUEST: HttpStatus.BAD_REQUEST,
  JSON_TOO_DEEP: HttpStatus.BAD_REQUEST,
  INVALID_TOPIC_NAME: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_PARTITION_COUNT: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_CONFIG: HttpStatus.UNPROCESSABLE_ENTITY,
  ROUTE_NOT_FOUND: HttpStatus.NOT_FOUND,
  TOPIC_NOT_FOUND: HttpStatus.NOT_FOUND,
  PARTITION_NOT_FOUND: HttpStatus.NOT_FOUND,
  TOPIC_ALREADY_EXISTS: HttpStatus.CONFLICT,
  OFFSET_OUT_OF_RANGE: HttpStatus.UNPROCESSABLE_ENTITY,
  RECORD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  BATCH_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  REQUEST_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  URL_TOO_LONG: HttpStatus.URI_TOO_LONG,
  HEADERS_TOO_LARGE: REQUEST_HEADER_FIELDS_TOO_LARGE,
  REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
  SUBSCRIPTION_NOT_FOUND: HttpStatus.NOT_FOUND,
  INVALID_GROUP_NAME: HttpStatus.UNPROCESSABLE_ENTITY,
  GROUP_NOT_FOUND: HttpStatus.NOT_FOUND,
  GROUP_NOT_EMPTY: HttpStatus.CONFLICT,
  MEMBER_NOT_FOUND: HttpStatus.NOT_FOUND,
  STALE_GENERATION: HttpStatus.CONFLICT,
  NOT_PARTITION_OWNER: HttpStatus.CONFLICT,
  INVALID_SESSION_TIMEOUT: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_RECEIPT: HttpStatus.BAD_REQUEST,
  LOCK_LOST: HttpStatus.CONFLICT,
  MAX_LOCK_EXCEEDED: HttpStatus.CONFLICT,
  INVALID_LOCK_DURATION: HttpStatus.UNPROCESSABLE_ENTITY,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  TOO_MANY_CONNECTIONS: HttpStatus.SERVICE_UNAVAILABLE,
  TOO_MANY_SUBSCRIPTIONS: HttpStatus.TOO_MANY_REQUESTS,
  TOO_MANY_MEMBERS: HttpStatus.TOO_MANY_REQUESTS,
  NOT_READY: HttpStatus.SERVICE_UNAVAILABLE,
  SHUTTING_DOWN: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** The status of a thrown error's body: its code's, except for a cluster that is not ready. */
export function statusOf(error: unknown, code: ErrorCode): HttpStatus {
  if (error instanceof PartitionOwnerUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  return ERROR_STATUS[code];
}
