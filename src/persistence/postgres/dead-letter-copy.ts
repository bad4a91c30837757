import { PoolClient } from 'pg';
import type { AppendRecord, PartitionBounds } from '../port/log-storage';
import type { DeadLetterAppend } from '../port/share-storage';
import { appendBatches } from './record-rows';

const LINEAGE_PREFIX = 'weir-dlq-';

/** The header that carries the source record's timestamp (only the transaction knows it). */
export const SOURCE_TIMESTAMP_HEADER = 'weir-dlq-source-timestamp';

/** A stored fragment parsed back: the members `record-wire.ts` writes. */
interface FragmentView {
  timestampMs?: number;
  key?: string;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string>;
}

/**
 * The copy of a source record for its dead-letter topic: the source's key, value and headers
 * (its own `weir-dlq-*` headers dropped), then `lineage`, then the source's timestamp
 * (`weir-dlq-source-timestamp`); timestamped when it was dead-lettered.
 * The fragment has the members in `record-wire.ts`'s order; a missing source (deleted by
 * retention) gives a copy with no key and no value. Size follows the log's rule: key + value +
 * header names and values, in bytes.
 */
export function deadLetterCopy(
  source: { key: Buffer | null; wire: string } | undefined,
  dead: DeadLetterAppend,
): AppendRecord {
  const view: FragmentView = source ? (JSON.parse(`{${source.wire}}`) as FragmentView) : {};
  const headers: Array<readonly [string, string]> = Object.entries(view.headers ?? {}).filter(
    ([name]) => !name.startsWith(LINEAGE_PREFIX),
  );
  headers.push(...dead.lineage);
  if (source) headers.push([SOURCE_TIMESTAMP_HEADER, String(view.timestampMs)]);
  let wire = `"timestampMs":${dead.deadLetteredAtMs}`;
  let sizeBytes = source?.key?.length ?? 0;
  if (view.key !== undefined) wire += `,"key":${JSON.stringify(view.key)}`;
  else if (view.keyBase64 !== undefined) wire += `,"keyBase64":${JSON.stringify(view.keyBase64)}`;
  if (view.valueBase64 !== undefined) {
    wire += `,"valueBase64":${JSON.stringify(view.valueBase64)}`;
    sizeBytes += Buffer.from(view.valueBase64, 'base64').length;
  } else if (view.value !== undefined) {
    const json = JSON.stringify(view.value);
    wire += `,"value":${json}`;
    sizeBytes += Buffer.byteLength(json);
  }
  const headerObject: Record<string, string> = {};
  for (const [name, value] of headers) {
    headerObject[name] = value;
    sizeBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  wire += `,"headers":${JSON.stringify(headerObject)}`;
  return { timestampMs: dead.deadLetteredAtMs, key: source?.key ?? null, wire, sizeBytes };
}

const SOURCES = `
  SELECT s.i, r.key, r.wire
  FROM unnest($1::bigint[], $2::integer[], $3::bigint[]) WITH ORDINALITY
    AS s (topic_id, partition, record_offset, i)
  JOIN records r ON r.topic_id = s.topic_id AND r.partition = s.partition
    AND r.record_offset = s.record_offset`;

const INSERT_INDEX = `
  INSERT INTO dead_letters (topic_id, partition, record_offset, reason, dead_lettered_at_ms,
    source_topic, source_partition, source_offset)
  SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::text[], $5::bigint[],
    $6::text[], $7::integer[], $8::bigint[])`;

/**
 * Appends the dead-letter copies and their index rows inside the caller's transaction;
 * resolves with each copy's offset, in the order given.
 */
export async function appendDeadLetters(
  client: PoolClient,
  deadLetters: readonly DeadLetterAppend[],
  touched: PartitionBounds[] = [],
): Promise<number[]> {
  if (deadLetters.length === 0) return [];
  const { rows } = await client.query<{ i: number; key: Buffer | null; wire: string }>(SOURCES, [
    deadLetters.map((d) => d.source.topicId),
    deadLetters.map((d) => d.source.partition),
    deadLetters.map((d) => d.source.offset),
  ]);
  const sources = new Map(rows.map((row) => [row.i - 1, row]));
  const offsets = await appendBatches(
    client,
    deadLetters.map((dead, i) => ({
      topicId: dead.target.topicId,
      partition: dead.target.partition,
      records: [deadLetterCopy(sources.get(i), dead)],
    })),
    touched,
  );
  await client.query(INSERT_INDEX, [
    deadLetters.map((d) => d.target.topicId),
    deadLetters.map((d) => d.target.partition),
    offsets,
    deadLetters.map((d) => d.reason),
    deadLetters.map((d) => d.deadLetteredAtMs),
    deadLetters.map((d) => d.source.topicName),
    deadLetters.map((d) => d.source.partition),
    deadLetters.map((d) => d.source.offset),
  ]);
  return offsets;
}
