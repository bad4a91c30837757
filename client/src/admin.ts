import { hasErrorCode, WeirErrorCode } from './errors';
import { requestJson, RequestOptions } from './http-json';
import { TopicPartition, WireRecord } from './records';

/** A topic's config (`POST /topics`); absent fields take the broker's defaults. */
export interface TopicConfig {
  retentionMs?: number;
  retentionBytes?: number;
  maxMessageBytes?: number;
}

/** `GET /topics/:topic`. */
export interface TopicDescription {
  name: string;
  config: Required<TopicConfig>;
  partitions: Array<{ partition: number; logStartOffset: number; logEndOffset: number }>;
}

/** Where a group starts or is reset to. */
export type OffsetTarget = 'earliest' | 'latest' | { offset: number } | { timestampMs: number };

/** `PUT /queues/groups/:group`; absent fields keep their value (or the default). */
export interface ShareGroupConfig {
  lockDurationMs?: number;
  maxDeliveryCount?: number;
  backoffMs?: number[] | { initialMs: number; multiplier: number; maxMs: number } | null;
  deadLetterTopic?: string | null;
  startFrom?: 'earliest' | 'latest' | { timestampMs: number };
  maxInFlightRecords?: number;
}

/** `GET /queues/groups/:group`. */
export interface ShareGroupDescription {
  group: string;
  topics: string[];
  config: Required<ShareGroupConfig>;
  partitions: Array<
    TopicPartition & {
      startOffset: number;
      endOffset: number;
      available: number;
      acquired: number;
      acknowledged: number;
      archived: number;
      lag: number;
      oldestAvailableAgeMs: number | null;
    }
  >;
}

/** `GET /streams/groups/:group`. */
export interface StreamGroupDescription {
  group: string;
  generation: number;
  members: Array<{ memberId: string; assignment: TopicPartition[] }>;
  partitions: Array<
    TopicPartition & {
      committedOffset: number | null;
      logEndOffset: number;
      lag: number | null;
      memberId: string | null;
    }
  >;
}

/** A page of a partition read (`GET /topics/:topic/partitions/:partition/records`). */
export interface RecordPage {
  records: WireRecord[];
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

const segment = encodeURIComponent;

/**
 * The broker's management calls a client needs: topics, share-group config, stream-group
 * descriptions and resets, and plain partition reads. Thin: one method per API call.
 */
export class Admin {
  constructor(private readonly url: string) {}

  /** Creates a topic; with `ifNotExists`, an existing one is not an error. */
  async createTopic(
    name: string,
    options: { partitions?: number; config?: TopicConfig; ifNotExists?: boolean } = {},
  ): Promise<void> {
    const { ifNotExists, ...body } = options;
    try {
      await requestJson(this.url, 'POST', '/topics', { name, ...body });
    } catch (error) {
      if (!(ifNotExists && hasErrorCode(error, WeirErrorCode.TOPIC_ALREADY_EXISTS))) throw error;
    }
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return requestJson(this.url, 'GET', `/topics/${segment(name)}`);
  }

  async deleteTopic(name: string): Promise<void> {
    await requestJson(this.url, 'DELETE', `/topics/${segment(name)}`);
  }

  /** Up to `maxRecords` records of a partition from `offset`, waiting up to `waitMs` for one. */
  readRecords(
    topic: string,
    partition: number,
    query: { offset: number; maxRecords?: number; waitMs?: number },
    options: RequestOptions = {},
  ): Promise<RecordPage> {
    const params = new URLSearchParams({ offset: String(query.offset) });
    if (query.maxRecords !== undefined) params.set('maxRecords', String(query.maxRecords));
    if (query.waitMs !== undefined) params.set('waitMs', String(query.waitMs));
    const path = `/topics/${segment(topic)}/partitions/${partition}/records?${params.toString()}`;
    return requestJson(this.url, 'GET', path, undefined, {
      ...options,
      timeoutMs: (query.waitMs ?? 0) + (options.timeoutMs ?? 30_000),
    });
  }

  /** Creates a share group or changes the fields given. */
  putShareGroup(
    group: string,
    body: ShareGroupConfig & { topics: string[] },
  ): Promise<ShareGroupDescription> {
    return requestJson(this.url, 'PUT', `/queues/groups/${segment(group)}`, body);
  }

  describeShareGroup(group: string): Promise<ShareGroupDescription> {
    return requestJson(this.url, 'GET', `/queues/groups/${segment(group)}`);
  }

  describeStreamGroup(group: string): Promise<StreamGroupDescription> {
    return requestJson(this.url, 'GET', `/streams/groups/${segment(group)}`);
  }

  /** Sets a stream group's committed offsets; live members move there on their next poll. */
  resetStreamOffsets(
    group: string,
    body: { topic: string; partitions?: number[]; to: OffsetTarget },
  ): Promise<StreamGroupDescription> {
    return requestJson(this.url, 'POST', `/streams/groups/${segment(group)}/offsets/reset`, body);
  }
}
