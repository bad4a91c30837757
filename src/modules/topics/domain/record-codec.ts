import { EncodedRecord, PayloadFormat, StoredRecord } from '../../../common/log-record';

/** A record as a producer sends it (already shape-checked at the edge). */
export interface RecordInput {
  key?: string | null;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string>;
  partition?: number;
  timestampMs?: number;
}

/** A record as every API answers with it. Absent `key`/`value` mean null. */
export interface RecordView {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key?: string;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
}

/** The key bytes a partitioner hashes, or null for an unkeyed record. */
export function keyBytes(input: RecordInput): Buffer | null {
  if (input.keyBase64 !== undefined) return Buffer.from(input.keyBase64, 'base64');
  if (input.key !== undefined && input.key !== null) return Buffer.from(input.key, 'utf8');
  return null;
}

/**
 * Turns a producer's record into its stored form. JSON values are kept as their JSON text so
 * they round-trip as the same JSON; base64 values are kept as bytes.
 */
export function encodeRecord(input: RecordInput, appendTimeMs: number): EncodedRecord {
  const key = keyBytes(input);
  const keyFormat =
    key === null
      ? PayloadFormat.NULL
      : input.keyBase64 !== undefined
        ? PayloadFormat.BINARY
        : PayloadFormat.TEXT;
  let value: Buffer | null = null;
  let valueFormat: PayloadFormat = PayloadFormat.NULL;
  if (input.valueBase64 !== undefined) {
    value = Buffer.from(input.valueBase64, 'base64');
    valueFormat = PayloadFormat.BINARY;
  } else if (input.value !== undefined && input.value !== null) {
    value = Buffer.from(JSON.stringify(input.value), 'utf8');
    valueFormat = PayloadFormat.TEXT;
  }
  const headerPairs = Object.entries(input.headers ?? {});
  let headerBytes = 0;
  for (const [name, headerValue] of headerPairs) {
    headerBytes += Buffer.byteLength(name) + Buffer.byteLength(headerValue);
  }
  return {
    timestampMs: input.timestampMs ?? appendTimeMs,
    keyFormat,
    key,
    valueFormat,
    value,
    headers: headerPairs.length > 0 ? JSON.stringify(headerPairs) : null,
    sizeBytes: (key?.length ?? 0) + (value?.length ?? 0) + headerBytes,
  };
}

/** Turns a stored record back into the API's shape. */
export function decodeRecord(topic: string, partition: number, stored: StoredRecord): RecordView {
  const view: RecordView = {
    topic,
    partition,
    offset: stored.offset,
    timestampMs: stored.timestampMs,
    headers: {},
  };
  if (stored.key !== null) {
    if (stored.keyFormat === PayloadFormat.BINARY) view.keyBase64 = stored.key.toString('base64');
    else view.key = stored.key.toString('utf8');
  }
  if (stored.value !== null) {
    if (stored.valueFormat === PayloadFormat.BINARY) {
      view.valueBase64 = stored.value.toString('base64');
    } else {
      view.value = JSON.parse(stored.value.toString('utf8')) as unknown;
    }
  }
  if (stored.headers !== null) {
    const pairs = JSON.parse(stored.headers) as Array<[string, string]>;
    for (const [name, value] of pairs) view.headers[name] = value;
  }
  return view;
}
