import type { AppendRecord, RecordPage } from '../persistence/port/log-storage';
import { EncodedRecord, PayloadFormat } from './log-record';

/**
 * The wire form of a record (DESIGN §8, zero-copy reads). A record is stored once as its JSON
 * "fragment": its members after `topic`, `partition` and `offset`, without braces:
 *
 *   "timestampMs":N[,"key":"..."|,"keyBase64":"..."][,"value":<JSON>|,"valueBase64":"..."],"headers":{..}
 *
 * Key and value members are absent when null; `headers` is always there (`{}` when none). A page
 * is served by concatenating fragments behind each record's `topic`, `partition` and `offset`,
 * never by decoding and re-encoding a record.
 */

/** A record as a producer sends it (the fields of `RecordInput` that the fragment needs). */
export interface WireInput {
  key?: string | null;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string>;
  timestampMs?: number;
}

/** A fragment parsed back: the API's record shape without topic, partition and offset. */
export interface WireView {
  timestampMs: number;
  key?: string;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
}

/** What a fragment is built from: text forms of key and value, headers as ordered pairs. */
export interface FragmentParts {
  timestampMs: number;
  /** A UTF-8 key, or the key's bytes for a binary key. */
  key: string | Buffer | null;
  /** A JSON value as its JSON text, or the value's bytes for a binary value. */
  value: { json: string } | Buffer | null;
  headers: ReadonlyArray<readonly [string, string]>;
}

/** Builds the fragment of `parts` (see the module comment for its exact shape). */
export function buildFragment(parts: FragmentParts): string {
  let wire = `"timestampMs":${parts.timestampMs}`;
  if (typeof parts.key === 'string') wire += `,"key":${JSON.stringify(parts.key)}`;
  else if (parts.key !== null) wire += `,"keyBase64":"${parts.key.toString('base64')}"`;
  if (Buffer.isBuffer(parts.value)) wire += `,"valueBase64":"${parts.value.toString('base64')}"`;
  else if (parts.value !== null) wire += `,"value":${parts.value.json}`;
  return `${wire},"headers":${headersJson(parts.headers)}`;
}

/** Bytes counted against limits and retention: key + value + header names and values. */
export function partsSizeBytes(parts: FragmentParts): number {
  let bytes = parts.key === null ? 0 : Buffer.byteLength(parts.key);
  if (Buffer.isBuffer(parts.value)) bytes += parts.value.length;
  else if (parts.value !== null) bytes += Buffer.byteLength(parts.value.json);
  for (const [name, value] of parts.headers)
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** The key bytes of a producer's record, or null for an unkeyed record. */
export function wireKeyBytes(input: WireInput): Buffer | null {
  if (input.keyBase64 !== undefined) return Buffer.from(input.keyBase64, 'base64');
  if (input.key !== undefined && input.key !== null) return Buffer.from(input.key, 'utf8');
  return null;
}

/**
 * Turns a producer's record into what the log appends: its key bytes, its fragment and its size
 * (the same size rule as `encodeRecord`). A JSON value is served as `JSON.stringify(value)`;
 * base64 keys and values are served in canonical base64 of their bytes.
 */
export function encodeWireRecord(
  input: WireInput,
  appendTimeMs: number,
  key = wireKeyBytes(input),
): AppendRecord {
  const parts: FragmentParts = {
    timestampMs: input.timestampMs ?? appendTimeMs,
    key: input.keyBase64 !== undefined ? key : (input.key ?? null),
    value:
      input.valueBase64 !== undefined
        ? Buffer.from(input.valueBase64, 'base64')
        : input.value === undefined || input.value === null
          ? null
          : { json: JSON.stringify(input.value) },
    headers: input.headers ? Object.entries(input.headers) : [],
  };
  return {
    timestampMs: parts.timestampMs,
    key,
    wire: buildFragment(parts),
    sizeBytes: partsSizeBytes(parts),
  };
}

/** Parses a fragment back into the API's shape (dead-letter copies, tests). */
export function parseFragment(fragment: string): WireView {
  return JSON.parse(`{${fragment}}`) as WireView;
}

/** The parts of a parsed fragment, so that a copy (dead letter, redrive) can be rebuilt. */
export function viewToParts(view: WireView): FragmentParts {
  return {
    timestampMs: view.timestampMs,
    key: view.keyBase64 !== undefined ? Buffer.from(view.keyBase64, 'base64') : (view.key ?? null),
    value:
      view.valueBase64 !== undefined
        ? Buffer.from(view.valueBase64, 'base64')
        : view.value === undefined
          ? null
          : { json: JSON.stringify(view.value) },
    headers: Object.entries(view.headers),
  };
}

/**
 * Serves a page as one JSON array of records, `[{"topic":T,"partition":P,"offset":O,<fragment>
 * <extra>},...]`, by concatenating the stored fragments. `extras[i]`, when given, is appended
 * inside record i's braces and must start with a comma (e.g. a share delivery's
 * `,"deliveryCount":1,"receipt":"..."`).
 */
export function servePage(
  topic: string,
  partition: number,
  page: RecordPage,
  extras?: readonly string[],
): Buffer {
  const head = `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":`;
  const headBytes = Buffer.byteLength(head);
  const tails: string[] = new Array<string>(page.count);
  let size = 2 + Math.max(0, page.count - 1);
  for (let i = 0; i < page.count; i++) {
    const tail = `${page.offsets[i]},`;
    tails[i] = tail;
    size += headBytes + tail.length + (page.wireStarts[i + 1]! - page.wireStarts[i]!) + 1;
    const extra = extras?.[i];
    if (extra !== undefined) size += Buffer.byteLength(extra);
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('[', 0, 'latin1');
  for (let i = 0; i < page.count; i++) {
    if (i > 0) at += out.write(',', at, 'latin1');
    at += out.write(head, at, 'utf8');
    at += out.write(tails[i]!, at, 'latin1');
    at += page.wire.copy(out, at, page.wireStarts[i], page.wireStarts[i + 1]);
    const extra = extras?.[i];
    if (extra !== undefined) at += out.write(extra, at, 'utf8');
    at += out.write('}', at, 'latin1');
  }
  out.write(']', at, 'latin1');
  return out;
}

/**
 * The fragment of a record stored by the pre-port code (legacy columns: formats, key, value as
 * JSON text or bytes, headers as JSON pairs); it decodes exactly as `decodeRecord` does.
 */
export function legacyFragment(stored: EncodedRecord): string {
  const text = (payload: Buffer | string): string =>
    typeof payload === 'string' ? payload : payload.toString('utf8');
  const bytes = (payload: Buffer | string): Buffer =>
    typeof payload === 'string' ? Buffer.from(payload) : payload;
  return buildFragment({
    timestampMs: stored.timestampMs,
    key:
      stored.key === null
        ? null
        : stored.keyFormat === PayloadFormat.BINARY
          ? bytes(stored.key)
          : text(stored.key),
    value:
      stored.value === null
        ? null
        : stored.valueFormat === PayloadFormat.BINARY
          ? bytes(stored.value)
          : { json: text(stored.value) },
    headers: stored.headers === null ? [] : (JSON.parse(stored.headers) as Array<[string, string]>),
  });
}

/**
 * The pre-port columns of a record stored as a fragment, for the readers that still decode
 * those (the inverse of `legacyFragment`).
 */
export function legacyColumns(fragment: string): Omit<EncodedRecord, 'sizeBytes'> {
  const parts = viewToParts(parseFragment(fragment));
  const key = parts.key;
  const value = parts.value;
  return {
    timestampMs: parts.timestampMs,
    keyFormat:
      key === null
        ? PayloadFormat.NULL
        : Buffer.isBuffer(key)
          ? PayloadFormat.BINARY
          : PayloadFormat.TEXT,
    key,
    valueFormat:
      value === null
        ? PayloadFormat.NULL
        : Buffer.isBuffer(value)
          ? PayloadFormat.BINARY
          : PayloadFormat.TEXT,
    value: value === null ? null : Buffer.isBuffer(value) ? value : value.json,
    headers: parts.headers.length > 0 ? JSON.stringify(parts.headers) : null,
  };
}

/**
 * `fields` as a JSON object with a last member `"records": <records>`, the records spliced in as
 * they are (a poll's answer, a WebSocket `records` frame). `fields` must have a member.
 */
export function withRecords(fields: object, records: Buffer): Buffer {
  const head = JSON.stringify(fields);
  return Buffer.concat([Buffer.from(`${head.slice(0, -1)},"records":`), records, CLOSE_BRACE]);
}

const CLOSE_BRACE = Buffer.from('}');

/** JSON arrays (as `servePage` answers them) joined into one array, without decoding. */
export function joinJsonArrays(arrays: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN_BRACKET];
  for (const array of arrays) {
    if (array.length <= 2) continue; // []
    if (parts.length > 1) parts.push(COMMA);
    parts.push(array.subarray(1, array.length - 1));
  }
  parts.push(CLOSE_BRACKET);
  return Buffer.concat(parts);
}

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');
const COMMA = Buffer.from(',');

/** Record i's fragment of a page, as text. */
export function pageFragment(page: RecordPage, i: number): string {
  return page.wire.toString('utf8', page.wireStarts[i], page.wireStarts[i + 1]);
}

function headersJson(headers: ReadonlyArray<readonly [string, string]>): string {
  if (headers.length === 0) return '{}';
  const object: Record<string, string> = {};
  for (const [name, value] of headers) object[name] = value;
  return JSON.stringify(object);
}
