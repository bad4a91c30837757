/**
 * Limits that come from the broker's configuration, named in a zod schema's metadata so that the
 * OpenAPI document shows the configured numbers (the schemas are built once, before any config
 * is read). A `range` refuses values outside it (with the status the service answers, often 422),
 * a `cap` lowers larger values to it, `maxItems` bounds an array (413 beyond it).
 */
export const DocumentedLimit = {
  /** `[WEIR_MIN_LOCK_MS, WEIR_MAX_LOCK_MS]`. */
  LOCK_DURATION: 'lockDuration',
  /** `[1, WEIR_MAX_PARTITIONS]`. */
  PARTITIONS: 'partitions',
  /** `[WEIR_MIN_SESSION_TIMEOUT_MS, WEIR_MAX_SESSION_TIMEOUT_MS]`. */
  SESSION_TIMEOUT: 'sessionTimeout',
  /** `[1, WEIR_MAX_REQUEST_BYTES]`: a record must fit in a request. */
  MESSAGE_BYTES: 'messageBytes',
  /** Capped at `WEIR_MAX_READ_RECORDS`. */
  READ_RECORDS: 'readRecords',
  /** Capped at `WEIR_MAX_RECEIVE_RECORDS`. */
  RECEIVE_RECORDS: 'receiveRecords',
  /** Capped at `WEIR_MAX_WAIT_MS`. */
  WAIT: 'wait',
  /** At most `WEIR_MAX_BATCH_RECORDS` items. */
  BATCH_RECORDS: 'batchRecords',
  /** At most `WEIR_MAX_ACK_BATCH` items. */
  ACK_BATCH: 'ackBatch',
} as const;
export type DocumentedLimit = (typeof DocumentedLimit)[keyof typeof DocumentedLimit];

/** The metadata key the OpenAPI builder replaces with the configured bounds. */
export const LIMIT_KEY = 'x-weir-limit';

/** Metadata for `.meta()`: this value is bounded by the configured `limit`. */
export const documentedLimit = (limit: DocumentedLimit): Record<string, unknown> => ({
  [LIMIT_KEY]: limit,
});
