import { NameTakenError } from '../port/catalogue-storage';
import {
  MissingPartitionError,
  type AppendRecord,
  type BoundsChange,
  type PartitionAppend,
  type RecordPage,
} from '../port/log-storage';

/** The main thread asks the engine's thread to run one operation, or to close. */
export interface EngineRequest {
  id: number;
  operation: string;
  args: unknown[];
}

/** An error as it crosses threads: its class name, message, SQLite code and own fields. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  extra: Record<string, unknown>;
}

/** The engine's thread answers a request, or says it is ready or could not open. */
export type EngineMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: WireError }
  | { type: 'answer'; id: number; ok: true; value: unknown; bounds?: BoundsChange }
  | { type: 'answer'; id: number; ok: false; error: WireError };

/** Operations whose answer is a `RecordPage`, sent with its memory transferred. */
export const PAGE_OPERATIONS: ReadonlySet<string> = new Set(['readPage', 'readOffsets']);

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), extra: {} };
  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(error)) {
    if (field !== 'code' && (typeof value !== 'object' || value === null)) extra[field] = value;
  }
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    extra,
  };
}

/** Rebuilds the port's error classes; anything else becomes an `Error` with its name and code. */
export function fromWireError(wire: WireError): Error {
  if (wire.name === 'MissingPartitionError') {
    return new MissingPartitionError(Number(wire.extra.topicId), Number(wire.extra.partition));
  }
  if (wire.name === 'NameTakenError') return new NameTakenError(String(wire.extra.taken));
  const error = new Error(wire.message) as Error & { code?: string };
  if (wire.name !== 'Error') error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}

/** The memory of a page to transfer (each array owns its whole buffer). */
export function pageTransferList(page: RecordPage): ArrayBuffer[] {
  const buffers = [
    page.offsets.buffer,
    page.timestamps.buffer,
    page.sizes.buffer,
    page.keyHashes.buffer,
    page.wireStarts.buffer,
    page.wire.buffer,
  ];
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
}

/** A page received from the engine's thread: its wire bytes as a Buffer again. */
export function receivedPage(page: RecordPage): RecordPage {
  const wire: Uint8Array = page.wire;
  return { ...page, wire: Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength) };
}

/**
 * An append as it crosses to the engine's thread: columns in typed arrays (transferred) and
 * every fragment in one string, instead of a graph of record objects.
 */
export interface PackedAppend {
  /** Per batch: topic id, partition, record count. */
  batches: Float64Array;
  timestamps: Float64Array;
  sizes: Float64Array;
  /** Per record: key length in `keys`, or -1 for a null key. */
  keyLengths: Int32Array;
  keys: Uint8Array;
  /** Per record: length of its fragment in `wires` (UTF-16 code units). */
  wireLengths: Uint32Array;
  wires: string;
}

export function packAppend(batches: readonly PartitionAppend[]): {
  packed: PackedAppend;
  transfer: ArrayBuffer[];
} {
  const count = batches.reduce((sum, b) => sum + b.records.length, 0);
  const header = new Float64Array(batches.length * 3);
  const timestamps = new Float64Array(count);
  const sizes = new Float64Array(count);
  const keyLengths = new Int32Array(count);
  const wireLengths = new Uint32Array(count);
  const keyParts: Buffer[] = [];
  const wires: string[] = new Array<string>(count);
  let i = 0;
  batches.forEach((b, j) => {
    header[j * 3] = b.topicId;
    header[j * 3 + 1] = b.partition;
    header[j * 3 + 2] = b.records.length;
    for (const r of b.records) {
      timestamps[i] = r.timestampMs;
      sizes[i] = r.sizeBytes;
      keyLengths[i] = r.key === null ? -1 : r.key.length;
      if (r.key !== null) keyParts.push(r.key);
      wireLengths[i] = r.wire.length;
      wires[i] = r.wire;
      i += 1;
    }
  });
  const keys = new Uint8Array(Buffer.concat(keyParts));
  const packed = {
    batches: header,
    timestamps,
    sizes,
    keyLengths,
    keys,
    wireLengths,
    wires: wires.join(''),
  };
  const transfer = [header, timestamps, sizes, keyLengths, keys, wireLengths]
    .map((a) => a.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
  return { packed, transfer };
}

export function unpackAppend(packed: PackedAppend): PartitionAppend[] {
  const keys = Buffer.from(packed.keys.buffer, packed.keys.byteOffset, packed.keys.byteLength);
  const out: PartitionAppend[] = [];
  let i = 0;
  let keyAt = 0;
  let wireAt = 0;
  for (let j = 0; j < packed.batches.length; j += 3) {
    const n = packed.batches[j + 2]!;
    const records: AppendRecord[] = new Array<AppendRecord>(n);
    for (let k = 0; k < n; k++, i++) {
      const keyLength = packed.keyLengths[i]!;
      const wireLength = packed.wireLengths[i]!;
      records[k] = {
        timestampMs: packed.timestamps[i]!,
        sizeBytes: packed.sizes[i]!,
        key: keyLength < 0 ? null : keys.subarray(keyAt, keyAt + keyLength),
        wire: packed.wires.slice(wireAt, wireAt + wireLength),
      };
      if (keyLength > 0) keyAt += keyLength;
      wireAt += wireLength;
    }
    out.push({ topicId: packed.batches[j]!, partition: packed.batches[j + 1]!, records });
  }
  return out;
}
