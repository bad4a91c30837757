/** A record to produce. A `Uint8Array` key or value is sent as bytes (`keyBase64`/`valueBase64`). */
export interface ProducerRecord {
  /** Records with the same key land in the same partition (Kafka's murmur2). */
  key?: string | Uint8Array | null;
  /** Any JSON value, or bytes. Absent means null. */
  value?: unknown;
  headers?: Record<string, string>;
  /** An explicit partition wins over the key. */
  partition?: number;
  /** Create time; the broker's append time when absent. */
  timestampMs?: number;
}

/** Where a record landed once durable. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

/** One partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A record as consumers receive it; binary keys and values arrive as `Buffer`s. */
export interface WeirRecord {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key: string | Buffer | null;
  value: unknown;
  headers: Record<string, string>;
}

/** A record delivered by a share group: locked to this worker until `lockExpiresAtMs`. */
export interface ShareRecord extends WeirRecord {
  /** 1 on the first delivery, + 1 on each redelivery. */
  deliveryCount: number;
  /** Names this delivery; acknowledgements carry it. */
  receipt: string;
  lockExpiresAtMs: number;
}

/** A record as the API answers it (`docs/api.md`, "Records"). */
export interface WireRecord {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key?: string;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string>;
}

/** A delivered record as a share group answers it. */
export interface WireShareRecord extends WireRecord {
  deliveryCount: number;
  receipt: string;
  lockExpiresAtMs: number;
}

/** The record as the produce API takes it. */
export function toWireInput(record: ProducerRecord): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (record.key instanceof Uint8Array)
    input.keyBase64 = Buffer.from(record.key).toString('base64');
  else if (record.key !== undefined && record.key !== null) input.key = record.key;
  if (record.value instanceof Uint8Array) {
    input.valueBase64 = Buffer.from(record.value).toString('base64');
  } else if (record.value !== undefined) input.value = record.value;
  if (record.headers !== undefined) input.headers = record.headers;
  if (record.partition !== undefined) input.partition = record.partition;
  if (record.timestampMs !== undefined) input.timestampMs = record.timestampMs;
  return input;
}

/** The record as consumers see it: bytes decoded, absent key and value as null. */
export function fromWire(record: WireRecord): WeirRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestampMs: record.timestampMs,
    key: keyOf(record),
    value: valueOf(record),
    headers: record.headers ?? {},
  };
}

/** A share-group delivery as the handler sees it (one object: this runs for every record). */
export function fromWireShare(record: WireShareRecord): ShareRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestampMs: record.timestampMs,
    key: keyOf(record),
    value: valueOf(record),
    headers: record.headers ?? {},
    deliveryCount: record.deliveryCount,
    receipt: record.receipt,
    lockExpiresAtMs: record.lockExpiresAtMs,
  };
}

const keyOf = (record: WireRecord): string | Buffer | null =>
  record.keyBase64 !== undefined ? Buffer.from(record.keyBase64, 'base64') : (record.key ?? null);

const valueOf = (record: WireRecord): unknown =>
  record.valueBase64 !== undefined
    ? Buffer.from(record.valueBase64, 'base64')
    : (record.value ?? null);

/** `topic/partition`: a partition's key in maps. */
export function partitionKey(p: TopicPartition): string {
  return `${p.topic}/${p.partition}`;
}
