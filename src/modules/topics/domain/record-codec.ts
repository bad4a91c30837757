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
 * they round-trip as the same JSON; base64 values are kept as bytes. `key` is the key's bytes
 * (see `keyBytes`), computed once by the caller.
 */
export function encodeRecord(
  input: RecordInput,
  appendTimeMs: number,
  key = keyBytes(input),
): EncodedRecord {
  let storedKey: Buffer | string | null = null;
  let keyFormat: PayloadFormat = PayloadFormat.NULL;
  if (input.keyBase64 !== undefined) {
    storedKey = key;
    keyFormat = PayloadFormat.BINARY;
  } else if (input.key !== undefined && input.key !== null) {
    storedKey = input.key;
    keyFormat = PayloadFormat.TEXT;
  }
  let value: Buffer | string | null = null;
  let valueFormat: PayloadFormat = PayloadFormat.NULL;
  let valueBytes = 0;
  if (input.valueBase64 !== undefined) {
    const bytes = Buffer.from(input.valueBase64, 'base64');
    value = bytes;
    valueBytes = bytes.length;
    valueFormat = PayloadFormat.BINARY;
  } else if (input.value !== undefined && input.value !== null) {
    const text = JSON.stringify(input.value);
    value = text;
    valueBytes = Buffer.byteLength(text);
    valueFormat = PayloadFormat.TEXT;
  }
  let headers: string | null = null;
  let headerBytes = 0;
  if (input.headers) {
    const headerPairs = Object.entries(input.headers);
    for (const [name, headerValue] of headerPairs) {
      headerBytes += Buffer.byteLength(name) + Buffer.byteLength(headerValue);
    }
    if (headerPairs.length > 0) headers = JSON.stringify(headerPairs);
  }
  return {
    timestampMs: input.timestampMs ?? appendTimeMs,
    keyFormat,
    key: storedKey,
    valueFormat,
    value,
    headers,
    sizeBytes: (key?.length ?? 0) + valueBytes + headerBytes,
  };
}

const asText = (payload: Buffer | string): string =>
  typeof payload === 'string' ? payload : payload.toString('utf8');
const asBase64 = (payload: Buffer | string): string =>
  typeof payload === 'string'
    ? Buffer.from(payload).toString('base64')
    : payload.toString('base64');

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
    if (stored.keyFormat === PayloadFormat.BINARY) view.keyBase64 = asBase64(stored.key);
    else view.key = asText(stored.key);
  }
  if (stored.value !== null) {
    if (stored.valueFormat === PayloadFormat.BINARY) view.valueBase64 = asBase64(stored.value);
    else view.value = JSON.parse(asText(stored.value)) as unknown;
  }
  if (stored.headers !== null) {
    const pairs = JSON.parse(stored.headers) as Array<[string, string]>;
    for (const [name, value] of pairs) view.headers[name] = value;
  }
  return view;
}
