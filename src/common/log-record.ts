/** How a key or value is held: absent, text (UTF-8 key, JSON value) or raw bytes. */
export const PayloadFormat = {
  NULL: 0,
  TEXT: 1,
  BINARY: 2,
} as const;
export type PayloadFormat = (typeof PayloadFormat)[keyof typeof PayloadFormat];

/** A record as the log stores it, before an offset is assigned. */
export interface EncodedRecord {
  /** Create time from the producer, or append time. Epoch ms. */
  timestampMs: number;
  keyFormat: PayloadFormat;
  /** A string when TEXT, bytes when BINARY. */
  key: Buffer | string | null;
  valueFormat: PayloadFormat;
  /** JSON text when TEXT, bytes when BINARY. */
  value: Buffer | string | null;
  /** Ordered header pairs as JSON text (`[["name","value"], ...]`), or null for none. */
  headers: string | null;
  /** Bytes counted against limits and retention: key + value + header names and values. */
  sizeBytes: number;
}

/** A record read back from the log. */
export interface StoredRecord extends EncodedRecord {
  offset: number;
}

/** Offsets and size of one partition. `logEndOffset` is the next offset to be written. */
export interface PartitionState {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  bytes: number;
}

/** Bytes of a stored key or value. */
export const payloadBytes = (payload: Buffer | string | null | undefined): number =>
  payload == null ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
