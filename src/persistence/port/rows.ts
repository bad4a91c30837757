/** Shapes of what the storage port keeps: topics, share groups, dead letters, offsets. */

/** Per-topic settings; -1 disables a retention limit. */
export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  maxMessageBytes: number;
}

/** A topic's row: its internal id never repeats, so a re-created topic never sees old records. */
export interface TopicRow {
  id: number;
  name: string;
  partitions: number;
  config: TopicConfig;
  createdAtMs: number;
}

/** A share group's row; `config` is the group's settings as JSON. */
export interface ShareGroupRow {
  id: number;
  name: string;
  config: string;
  createdAtMs: number;
}

/** One dead-letter record's lineage, as indexed beside the record itself. */
export interface DeadLetterRow {
  topicId: number;
  partition: number;
  offset: number;
  reason: string;
  deadLetteredAtMs: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  /** When it was redriven, or null. */
  redrivenAtMs: number | null;
  /** `topic/partition/offset` of the redriven copy, or null. */
  redrivenTo: string | null;
}

/** What a dead-letter topic holds, by reason. */
export interface DeadLetterSummary {
  topicId: number;
  reason: string;
  records: number;
  oldestAtMs: number;
}

/** A streaming consumer group's committed offset in one partition: the next offset to read. */
export interface CommittedOffset {
  group: string;
  topicId: number;
  partition: number;
  committedOffset: number;
  committedAtMs: number;
}

/** An offset to commit in one partition. */
export interface OffsetCommit {
  topicId: number;
  partition: number;
  offset: number;
}
