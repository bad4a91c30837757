import { ErrorCode } from '../common/errors';
import { ERROR_STATUS } from '../common/http/error-status';
import type { RouteAccess } from '../auth/route-access';
import type { RouteSpec } from '../common/http/route-spec';

/** One line per error code, for the OpenAPI document: a code without one does not compile. */
export const ERROR_MEANINGS: Readonly<Record<ErrorCode, string>> = {
  INVALID_REQUEST: 'the body, query or path does not match the schema (`details.problems`)',
  JSON_TOO_DEEP: 'JSON nested deeper than WEIR_MAX_JSON_DEPTH',
  INVALID_TOPIC_NAME: 'a topic name outside `^[A-Za-z0-9._-]{1,249}$`',
  INVALID_PARTITION_COUNT: 'a partition count outside 1 to WEIR_MAX_PARTITIONS, or fewer than now',
  INVALID_CONFIG: 'a setting out of its range',
  ROUTE_NOT_FOUND: 'no such path',
  TOPIC_NOT_FOUND: 'unknown topic',
  PARTITION_NOT_FOUND: 'the topic has no such partition',
  TOPIC_ALREADY_EXISTS: 'a topic of that name exists',
  OFFSET_OUT_OF_RANGE:
    'an offset below the log start or above the log end (`details: { logStartOffset, logEndOffset }`)',
  RECORD_TOO_LARGE: "a record larger than the topic's maxMessageBytes (`details.index`)",
  BATCH_TOO_LARGE: 'more items in one request than allowed',
  REQUEST_TOO_LARGE: 'a body larger than WEIR_MAX_REQUEST_BYTES',
  UNSUPPORTED_MEDIA_TYPE: 'a body that is not `application/json`',
  URL_TOO_LONG: 'a path segment over 1000 characters',
  HEADERS_TOO_LARGE: 'request line and headers over WEIR_MAX_HEADER_BYTES',
  REQUEST_TIMEOUT: 'the request was not sent in time',
  SUBSCRIPTION_NOT_FOUND: 'no such subscription on this socket',
  INVALID_GROUP_NAME: 'a group name outside `^[A-Za-z0-9._-]{1,249}$`',
  GROUP_NOT_FOUND: 'unknown group',
  GROUP_NOT_EMPTY: 'the group still has members',
  MEMBER_NOT_FOUND: 'unknown member (it left, or its session expired): join again',
  STALE_GENERATION: 'a generation the member cannot commit with',
  NOT_PARTITION_OWNER:
    'the member does not own the partition (409); in a cluster, no node could serve the partition now (503, retriable, `details: { owner, url }`)',
  STORAGE_UNAVAILABLE: 'the database (PostgreSQL) cannot be reached now (503, retriable)',
  INVALID_SESSION_TIMEOUT: 'sessionTimeoutMs outside its range',
  INVALID_RECEIPT: 'not a receipt, or a receipt of another group',
  LOCK_LOST: 'the receipt does not name the current delivery, or its lock expired',
  MAX_LOCK_EXCEEDED: "a renew past the delivery's maxLockMs",
  INVALID_LOCK_DURATION: 'lockDurationMs outside [WEIR_MIN_LOCK_MS, WEIR_MAX_LOCK_MS]',
  UNAUTHENTICATED: 'no token, or an unknown one (auth on)',
  FORBIDDEN: 'the token may not do this (`details: { action, resource }`)',
  TOO_MANY_CONNECTIONS: 'too many open connections',
  TOO_MANY_SUBSCRIPTIONS: 'the socket holds WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions',
  TOO_MANY_MEMBERS: 'the group has WEIR_MAX_GROUP_MEMBERS members',
  NOT_READY: 'the database is not writable',
  SHUTTING_DOWN: 'the broker is stopping',
  INTERNAL_ERROR: 'an unexpected failure (logged, never detailed)',
};

/** The errors every route of its kind may answer, besides those its spec lists. */
export function commonErrors(spec: RouteSpec, access: RouteAccess | undefined): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (spec.params || spec.query || spec.body) codes.push(ErrorCode.INVALID_REQUEST);
  if (spec.body) {
    codes.push(
      ErrorCode.JSON_TOO_DEEP,
      ErrorCode.REQUEST_TOO_LARGE,
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    );
  }
  if (access?.kind !== 'public') codes.push(ErrorCode.UNAUTHENTICATED);
  if (access === undefined || access.kind === 'action') codes.push(ErrorCode.FORBIDDEN);
  codes.push(ErrorCode.INTERNAL_ERROR);
  return codes;
}

const errorBody = (codes: ErrorCode[]): object => ({
  type: 'object',
  description: 'The error shape of every failure.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      description: 'What went wrong.',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: codes, description: 'Stable error code.' },
        message: { type: 'string', description: 'Human-readable explanation.' },
        details: { description: 'Machine-readable details, depending on the code.' },
      },
    },
  },
});

/** The error responses of one operation, by HTTP status, each listing its codes. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = Number(ERROR_STATUS[code]);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: statusCodes.map((code) => `${code}: ${ERROR_MEANINGS[code]}.`).join(' '),
      content: { 'application/json': { schema: errorBody(statusCodes) } },
    };
  }
  return responses;
}
