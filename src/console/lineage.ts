import type { RecordView } from './types';

/** The lineage headers the broker puts on a dead-letter record (README "Dead-letter topics"). */
export const LINEAGE = {
  sourceTopic: 'weir-dlq-source-topic',
  sourcePartition: 'weir-dlq-source-partition',
  sourceOffset: 'weir-dlq-source-offset',
  sourceTimestamp: 'weir-dlq-source-timestamp',
  group: 'weir-dlq-group',
  deliveryCount: 'weir-dlq-delivery-count',
  reason: 'weir-dlq-reason',
  error: 'weir-dlq-error',
  deadLetteredAt: 'weir-dlq-dead-lettered-at',
} as const;

/** Where a redrive would append one record, as the broker decides it. */
export interface RedriveDestination {
  topic: string;
  /** The source partition, or undefined when the target topic chooses by key. */
  partition: number | undefined;
}

export function destinationOf(
  record: RecordView,
  targetTopic: string | undefined,
): RedriveDestination | undefined {
  const source = record.headers[LINEAGE.sourceTopic];
  const topic = targetTopic ?? source;
  if (topic === undefined) return undefined;
  const partition = Number(record.headers[LINEAGE.sourcePartition]);
  return {
    topic,
    partition: topic === source && Number.isInteger(partition) ? partition : undefined,
  };
}

/** One line of a redrive preview: how many records go to one destination. */
export interface PreviewLine {
  topic: string;
  partition: number | undefined;
  records: number;
}

/**
 * What a redrive of `records` (optionally of one reason) would append, grouped by destination.
 * Records without lineage are counted as skipped; so are records already redriven, which only
 * the broker knows: the preview is an upper bound.
 */
export function redrivePreview(
  records: RecordView[],
  reason: string | undefined,
  targetTopic: string | undefined,
): { lines: PreviewLine[]; withoutSource: number } {
  const lines = new Map<string, PreviewLine>();
  let withoutSource = 0;
  for (const record of records) {
    if (reason !== undefined && record.headers[LINEAGE.reason] !== reason) continue;
    const destination = destinationOf(record, targetTopic);
    if (!destination) {
      withoutSource += 1;
      continue;
    }
    const key = `${destination.topic}\u0000${destination.partition ?? ''}`;
    const line = lines.get(key) ?? { ...destination, records: 0 };
    line.records += 1;
    lines.set(key, line);
  }
  return { lines: [...lines.values()], withoutSource };
}
