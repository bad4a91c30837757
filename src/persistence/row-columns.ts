import type { DeadLetterRow, TopicRow } from './port/rows';
import type { ShareStateBatch } from './port/share-storage';

/**
 * Rows as both engines' tables hold them (the same column names in SQLite and PostgreSQL), and
 * their mapping to the storage port's shapes: one place, whichever adapter reads them.
 */
export interface TopicColumns {
  id: number;
  name: string;
  partitions: number;
  retention_ms: number;
  retention_bytes: number;
  max_message_bytes: number;
  created_at_ms: number;
}

export const toTopicRow = (c: TopicColumns): TopicRow => ({
  id: c.id,
  name: c.name,
  partitions: c.partitions,
  config: {
    retentionMs: c.retention_ms,
    retentionBytes: c.retention_bytes,
    maxMessageBytes: c.max_message_bytes,
  },
  createdAtMs: c.created_at_ms,
});

/** A run of share-state batches (`share_state_batches`), with its share partition. */
export interface BatchColumns {
  topic_id: number;
  partition: number;
  first_offset: number;
  last_offset: number;
  state: number;
  delivery_count: number;
  member_id: string | null;
  token: string | null;
  acquired_at_ms: number | null;
  lock_expires_at_ms: number | null;
  available_at_ms: number | null;
}

export const toBatch = (c: BatchColumns): ShareStateBatch => ({
  firstOffset: c.first_offset,
  lastOffset: c.last_offset,
  state: c.state,
  deliveryCount: c.delivery_count,
  memberId: c.member_id,
  token: c.token,
  acquiredAtMs: c.acquired_at_ms,
  lockExpiresAtMs: c.lock_expires_at_ms,
  availableAtMs: c.available_at_ms,
});

/** A row of the dead-letter index (`dead_letters`). */
export interface DeadLetterColumns {
  topic_id: number;
  partition: number;
  record_offset: number;
  reason: string;
  dead_lettered_at_ms: number;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  redriven_at_ms: number | null;
  redriven_to: string | null;
}

export const toDeadLetterRow = (c: DeadLetterColumns): DeadLetterRow => ({
  topicId: c.topic_id,
  partition: c.partition,
  offset: c.record_offset,
  reason: c.reason,
  deadLetteredAtMs: c.dead_lettered_at_ms,
  sourceTopic: c.source_topic,
  sourcePartition: c.source_partition,
  sourceOffset: c.source_offset,
  redrivenAtMs: c.redriven_at_ms,
  redrivenTo: c.redriven_to,
});
