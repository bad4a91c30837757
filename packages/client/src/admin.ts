import { hasErrorCode, WeirErrorCode } from './errors';
import { Endpoint, requestJson, RequestOptions } from './http-json';
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
  /**
   * `key`: a record is handed out only once every earlier record with the same key in its
   * partition is finished (accepted, rejected or dead-lettered); records without a key are
   * unordered. Default `none`.
   */
  ordering?: 'none' | 'key';
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

/** An entry of `GET /streams/groups`. */
export interface StreamGroupSummary {
  group: string;
  generation: number;
  members: number;
  topics: string[];
  lag: number | null;
}

/** An entry of `GET /queues/groups`. */
export interface ShareGroupSummary {
  group: string;
  topics: string[];
  lag: number;
  acquired: number;
  available: number;
  oldestAvailableAgeMs: number | null;
}

/** An entry of `GET /dlq`. */
export interface DeadLetterTopicSummary {
  topic: string;
  records: number;
  oldestAgeMs: number | null;
  byReason: Record<string, number>;
}

/** What `POST /dlq/:topic/redrive` appends: a range (toOffset exclusive), a reason, a target. */
export interface RedriveRequest {
  fromOffset?: number;
  toOffset?: number;
  reason?: 'CLIENT_REJECT' | 'DELIVERY_COUNT_EXCEEDED';
  targetTopic?: string;
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
  private readonly endpoint: Endpoint;

  constructor(url: string, options: { token?: string; ca?: string | Buffer } = {}) {
    this.endpoint = { url, ...options };
  }

  /**
   * Creates a topic and answers it; with `ifNotExists`, an existing one is not an error (and
   * the answer is undefined).
   */
  async createTopic(
    name: string,
    options: { partitions?: number; config?: TopicConfig; ifNotExists?: boolean } = {},
  ): Promise<TopicDescription | undefined> {
    const { ifNotExists, ...body } = options;
    try {
      return await requestJson<TopicDescription>(this.endpoint, 'POST', '/topics', {
        name,
        ...body,
      });
    } catch (error) {
      if (!(ifNotExists && hasErrorCode(error, WeirErrorCode.TOPIC_ALREADY_EXISTS))) throw error;
      return undefined;
    }
  }

  async listTopics(): Promise<TopicDescription[]> {
    return (await requestJson<{ topics: TopicDescription[] }>(this.endpoint, 'GET', '/topics'))
      .topics;
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return requestJson(this.endpoint, 'GET', `/topics/${segment(name)}`);
  }

  async deleteTopic(name: string): Promise<void> {
    await requestJson(this.endpoint, 'DELETE', `/topics/${segment(name)}`);
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
    return requestJson(this.endpoint, 'GET', path, undefined, {
      ...options,
      timeoutMs: (query.waitMs ?? 0) + (options.timeoutMs ?? 30_000),
    });
  }

  /** Creates a share group or changes the fields given. */
  putShareGroup(
    group: string,
    body: ShareGroupConfig & { topics: string[] },
  ): Promise<ShareGroupDescription> {
    return requestJson(this.endpoint, 'PUT', `/queues/groups/${segment(group)}`, body);
  }

  describeShareGroup(group: string): Promise<ShareGroupDescription> {
    return requestJson(this.endpoint, 'GET', `/queues/groups/${segment(group)}`);
  }

  describeStreamGroup(group: string): Promise<StreamGroupDescription> {
    return requestJson(this.endpoint, 'GET', `/streams/groups/${segment(group)}`);
  }

  /** Sets a stream group's committed offsets; live members move there on their next poll. */
  resetStreamOffsets(
    group: string,
    body: { topic: string; partitions?: number[]; to: OffsetTarget },
  ): Promise<StreamGroupDescription> {
    return requestJson(
      this.endpoint,
      'POST',
      `/streams/groups/${segment(group)}/offsets/reset`,
      body,
    );
  }

  async listStreamGroups(): Promise<StreamGroupSummary[]> {
    const answer = await requestJson<{ groups: StreamGroupSummary[] }>(
      this.endpoint,
      'GET',
      '/streams/groups',
    );
    return answer.groups;
  }

  async listShareGroups(): Promise<ShareGroupSummary[]> {
    const answer = await requestJson<{ groups: ShareGroupSummary[] }>(
      this.endpoint,
      'GET',
      '/queues/groups',
    );
    return answer.groups;
  }

  /** Moves a share group (one topic, or all) to `to`; in-flight deliveries are forgotten. */
  resetShareGroup(
    group: string,
    body: { topic?: string; to: OffsetTarget },
  ): Promise<ShareGroupDescription> {
    return requestJson(this.endpoint, 'POST', `/queues/groups/${segment(group)}/reset`, body);
  }

  async listDeadLetterTopics(): Promise<DeadLetterTopicSummary[]> {
    return (await requestJson<{ topics: DeadLetterTopicSummary[] }>(this.endpoint, 'GET', '/dlq'))
      .topics;
  }

  /** A page of a dead-letter topic's partition, with lineage headers. */
  readDeadLetters(
    topic: string,
    query: { partition?: number; offset?: number; maxRecords?: number } = {},
  ): Promise<RecordPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) params.set(name, String(value));
    return requestJson(this.endpoint, 'GET', `/dlq/${segment(topic)}/records?${params.toString()}`);
  }

  /** Appends dead-letter records to their source (or target) topic; each record once ever. */
  redrive(topic: string, body: RedriveRequest): Promise<{ redriven: number; skipped: number }> {
    return requestJson(this.endpoint, 'POST', `/dlq/${segment(topic)}/redrive`, body);
  }
}
