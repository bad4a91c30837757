import { jitteredBackoffMs, sleep, WeirError } from './errors';
import { requestJson } from './http-json';

/** A record as a stream consumer receives it. */
export interface StreamRecord {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key?: string;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface StreamConsumerOptions {
  /** `http://host:port` of the broker. */
  url: string;
  group: string;
  topics: string[];
  /** Handles one batch; its records are in offset order per partition. Committed once it resolves. */
  eachBatch: (records: StreamRecord[]) => Promise<void>;
  autoOffsetReset?: 'earliest' | 'latest';
  sessionTimeoutMs?: number;
  maxRecords?: number;
  /** Long-poll wait of each poll (default 1000 ms). */
  waitMs?: number;
  /** Told of every new assignment. */
  onAssignment?: (generation: number, assignment: TopicPartition[]) => void;
  onError?: (error: unknown) => void;
}

interface PollAnswer {
  generation: number;
  assignment: TopicPartition[];
  records: StreamRecord[];
}

const key = (p: TopicPartition) => `${p.topic}/${p.partition}`;

/**
 * An analytics consumer in a streaming consumer group over HTTP long-poll: join, poll, hand each
 * batch to `eachBatch`, commit after it succeeds, heartbeat while it runs (naming the batch's
 * partitions in `owned`, so that no other member reads them meanwhile), leave on `stop`.
 * Paused partitions keep their records in a local buffer until resumed, so order holds. After a
 * broker restart it joins again and resumes from the committed offsets.
 */
export class StreamConsumer {
  private memberId: string | undefined;
  private generation = -1;
  private assignment: TopicPartition[] = [];
  private readonly paused = new Set<string>();
  private readonly buffered = new Map<string, StreamRecord[]>();
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: StreamConsumerOptions) {}

  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Leaves the group after the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  pause(topic: string, partition: number): void {
    this.paused.add(key({ topic, partition }));
  }

  resume(topic: string, partition: number): void {
    this.paused.delete(key({ topic, partition }));
  }

  /** Moves the group's position on a partition; every member reads from it on its next poll. */
  async seek(topic: string, partition: number, offset: number): Promise<void> {
    this.buffered.delete(key({ topic, partition }));
    await requestJson(
      this.options.url,
      'POST',
      `/streams/groups/${this.options.group}/offsets/reset`,
      {
        topic,
        partitions: [partition],
        to: { offset },
      },
    );
  }

  get currentAssignment(): TopicPartition[] {
    return [...this.assignment];
  }

  /** The member id the broker knows this consumer by, once it joined. */
  get currentMemberId(): string | undefined {
    return this.memberId;
  }

  private get base(): string {
    return `/streams/groups/${this.options.group}/members`;
  }

  private async loop(): Promise<void> {
    for (let attempt = 0; !this.stopping;) {
      try {
        if (!this.memberId) await this.join();
        const answer = await requestJson<PollAnswer>(
          this.options.url,
          'POST',
          `${this.base}/${this.memberId}/poll`,
          {
            maxRecords: this.options.maxRecords ?? 500,
            waitMs: this.options.waitMs ?? 1000,
          },
        );
        this.observe(answer);
        await this.deliver(answer.records);
        attempt = 0;
      } catch (error) {
        this.options.onError?.(error);
        if (error instanceof WeirError && error.code === 'MEMBER_NOT_FOUND')
          this.memberId = undefined;
        else await sleep(jitteredBackoffMs(attempt++, 100, 3000));
      }
    }
    if (this.memberId) {
      await requestJson(this.options.url, 'DELETE', `${this.base}/${this.memberId}`).catch(
        () => undefined,
      );
    }
  }

  private async join(): Promise<void> {
    const answer = await requestJson<{ memberId: string } & PollAnswer>(
      this.options.url,
      'POST',
      this.base,
      {
        topics: this.options.topics,
        autoCommit: false,
        autoOffsetReset: this.options.autoOffsetReset ?? 'latest',
        ...(this.options.sessionTimeoutMs
          ? { sessionTimeoutMs: this.options.sessionTimeoutMs }
          : {}),
      },
    );
    this.memberId = answer.memberId;
    this.buffered.clear();
    this.generation = -1; // a restarted broker counts generations from 1 again
    this.observe(answer);
  }

  private observe(answer: { generation: number; assignment: TopicPartition[] }): void {
    if (answer.generation === this.generation) return;
    this.generation = answer.generation;
    this.assignment = answer.assignment;
    const owned = new Set(answer.assignment.map(key));
    for (const k of [...this.buffered.keys()]) if (!owned.has(k)) this.buffered.delete(k);
    this.options.onAssignment?.(answer.generation, [...answer.assignment]);
  }

  private async deliver(records: readonly StreamRecord[]): Promise<void> {
    for (const r of records) {
      const list = this.buffered.get(key(r)) ?? [];
      list.push(r);
      this.buffered.set(key(r), list);
    }
    const batch: StreamRecord[] = [];
    for (const [k, list] of this.buffered) {
      if (this.paused.has(k)) continue;
      batch.push(...list);
      this.buffered.delete(k);
    }
    if (batch.length === 0) return;
    // While the batch runs, heartbeats name its partitions in `owned`: the broker keeps them with
    // this member (a rebalance waits for the batch) and hands over only what it no longer reads.
    const owned = new Map<string, TopicPartition>();
    for (const r of batch) owned.set(key(r), { topic: r.topic, partition: r.partition });
    const heartbeat = setInterval(
      () => void this.heartbeat([...owned.values()]),
      Math.max(500, (this.options.sessionTimeoutMs ?? 45_000) / 3),
    );
    try {
      await this.options.eachBatch(batch);
    } catch (error) {
      // Read the failed batch again: move each partition back to its first record.
      const first = new Map<string, StreamRecord>();
      for (const r of batch) if (!first.has(key(r))) first.set(key(r), r);
      for (const r of first.values()) await this.seek(r.topic, r.partition, r.offset);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
    await this.commit(batch);
  }

  /** Keeps the member alive, names what it still reads, and learns the generation. */
  private async heartbeat(owned: TopicPartition[]): Promise<void> {
    const memberId = this.memberId;
    try {
      const answer = await requestJson<{ generation: number; assignment: TopicPartition[] }>(
        this.options.url,
        'POST',
        `${this.base}/${memberId}/heartbeat`,
        { owned },
      );
      // a late answer must not undo what a newer poll or join taught
      if (memberId === this.memberId && answer.generation > this.generation) this.observe(answer);
    } catch {
      // the next poll finds out what went wrong (left, session expired, broker away)
    }
  }

  /** Commits the batch with the generation last learned; fenced only if a partition was lost. */
  private async commit(batch: readonly StreamRecord[]): Promise<void> {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of batch)
      next.set(key(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    try {
      await requestJson(this.options.url, 'POST', `/streams/groups/${this.options.group}/offsets`, {
        memberId: this.memberId,
        generation: this.generation,
        offsets: [...next.values()],
      });
    } catch (error) {
      // A rebalance moved on: the new owner reads from the last commit (at least once).
      if (
        error instanceof WeirError &&
        (error.code === 'STALE_GENERATION' || error.code === 'NOT_PARTITION_OWNER')
      ) {
        this.options.onError?.(error);
        return;
      }
      throw error;
    }
  }
}
