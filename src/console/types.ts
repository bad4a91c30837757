/** Answers of the public HTTP API, as the console reads them (docs/api.md). */

export interface PartitionView {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  records?: number;
  bytes?: number;
}

export interface TopicView {
  name: string;
  config: { retentionMs: number; retentionBytes: number; maxMessageBytes: number };
  partitions: PartitionView[];
}

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

export interface RecordPage {
  records: RecordView[];
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface StreamGroupSummary {
  group: string;
  generation: number;
  members: number;
  topics: string[];
  lag: number;
}

export interface StreamGroupView {
  group: string;
  generation: number;
  members: Array<{ memberId: string; assignment: TopicPartitionRef[] }>;
  partitions: Array<{
    topic: string;
    partition: number;
    committedOffset: number | null;
    logEndOffset: number;
    lag: number | null;
    memberId: string | null;
  }>;
}

export interface ShareGroupSummary {
  group: string;
  topics: string[];
  lag: number;
  acquired: number;
  available: number;
  oldestAvailableAgeMs: number | null;
}

export interface ShareGroupView {
  group: string;
  topics: string[];
  config: {
    lockDurationMs: number;
    maxDeliveryCount: number;
    deadLetterTopic: string | null;
    deadLetterTopics?: Record<string, string | null>;
    maxInFlightRecords: number;
    ordering?: 'none' | 'key';
  };
  partitions: Array<{
    topic: string;
    partition: number;
    startOffset: number;
    endOffset: number;
    available: number;
    acquired: number;
    acknowledged: number;
    archived: number;
    lag: number;
    oldestAvailableAgeMs: number | null;
  }>;
}

export interface DeadLetterTopicSummary {
  topic: string;
  records: number;
  oldestAgeMs: number | null;
  byReason: Record<string, number>;
}

/** Where a reset moves a group: the API's `to`. */
export type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestampMs: number };
