import type { TopicRow } from '../../persistence/port/rows';

/** Why a record was dead-lettered (DESIGN §4). */
export type DeadLetterCause = 'CLIENT_REJECT' | 'DELIVERY_COUNT_EXCEEDED';

/** Where a dead-letter copy landed, so that readers of the dead-letter topic can be woken. */
export interface DeadLetterPosition {
  topic: TopicRow;
  partition: number;
  offset: number;
}

/**
 * The lineage header names (DESIGN §4). A dead-letter copy carries the source record's key,
 * value and headers (`weir-dlq-*` dropped), then these; the storage port appends it atomically
 * with the share write that archives the source (`ShareStorage.write`).
 */
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
