import { Admin } from './admin';
import { BackoffOptions, backoffDelayMs, sleep } from './backoff';
import { errorMessage, hasErrorCode, WeirError, WeirErrorCode } from './errors';
import { tokenOf } from './http-json';
import { PartitionPositions, StreamBatch } from './partition-positions';
import { ProcessingHeartbeat } from './processing-heartbeat';
import { fromWire, partitionKey, TopicPartition } from './records';
import { CommitOffset, StreamMember } from './stream-member';

export interface StreamConsumerOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  /** Delay after a failure before polling again (default 100 ms doubling to 3 s, jittered). */
  retryBackoff?: BackoffOptions;
  /** Errors that do not stop the consumer: a failed batch, a lost connection. */
  onError?: (error: unknown) => void;
}

export interface StreamRunOptions {
  group: string;
  topics: string[];
  /** Handles one partition's records in offset order; they are committed once it resolves. */
  eachBatch: (batch: StreamBatch) => Promise<void>;
  /** Where a partition without a committed offset starts (default `latest`, as Kafka). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** The broker drops a member silent for this long (default 45,000 ms). */
  sessionTimeoutMs?: number;
  /** Most records per poll (default 500). */
  maxRecords?: number;
  /** Long-poll wait while there is nothing to read (default 1,000 ms). */
  pollWaitMs?: number;
  /**
   * Heartbeats while a poll's records are handled (default 3,000 ms, or a third of
   * `sessionTimeoutMs` if less); they also learn of rebalances and let revoked partitions go.
   */
  heartbeatIntervalMs?: number;
  /** Told of every change of this member's partitions (and of the first assignment). */
  onAssignment?: (assignment: TopicPartition[], generation: number) => void;
}

/**
 * An analytics consumer in a streaming consumer group over HTTP long-poll. It joins, polls,
 * hands each partition's records to `eachBatch` in offset order, heartbeats while a poll's
 * records are handled (naming the partitions still in hand), and commits a batch's offsets
 * after it resolves; the next poll (which lets a revoked partition go) comes only after the
 * commit, so a new owner resumes exactly there. A batch that throws is read again (after a
 * backoff). `pause` stops fetching a partition (polls name it as paused), `resume` fetches it
 * again; `seek` goes through the group's offset reset. After a lost connection or a broker
 * restart it joins again and resumes from the committed offsets.
 */
export class StreamConsumer {
  private readonly positions = new PartitionPositions();
  private readonly admin: Admin;
  private member: StreamMember | undefined;
  private run$: StreamRunOptions | undefined;
  private polls = 0;
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: StreamConsumerOptions) {
    this.admin = new Admin(options.url, tokenOf(options));
  }

  /** Starts consuming; resolves once the member joined (retrying while the broker is down). */
  run(options: StreamRunOptions): Promise<void> {
    if (this.run$) throw new Error('this StreamConsumer is already running');
    this.run$ = options;
    this.member = new StreamMember(this.options, options.group, {
      topics: options.topics,
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      ...(options.sessionTimeoutMs !== undefined
        ? { sessionTimeoutMs: options.sessionTimeoutMs }
        : {}),
    });
    let joined!: () => void;
    const firstJoin = new Promise<void>((resolve) => (joined = resolve));
    this.loop = this.consume(options, this.member, joined);
    return firstJoin;
  }

  /** Ends the poll in progress, lets the running batch finish and commit, then leaves. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** The partitions this member owns, as of the latest answer. */
  get assignment(): TopicPartition[] {
    return this.member?.assignment ?? [];
  }

  /**
   * Stops fetching the partition: polls ask the broker not to read it, so its position stays
   * where it is. Records of it that a poll already in flight returns are not handed out; they
   * are read again on resume.
   */
  pause(topic: string, partition: number): void {
    this.positions.pause({ topic, partition });
  }

  /**
   * Fetches the partition again, from where it stopped (through the group's offset reset only
   * when a poll in flight at the pause returned records of it, which were not handed out).
   */
  async resume(topic: string, partition: number): Promise<void> {
    const from = this.positions.resume({ topic, partition });
    if (from !== undefined) await this.seek(topic, partition, from);
  }

  /**
   * Moves the group's position in a partition to `offset` (the group's offset reset; it is
   * also the committed offset): the next records handed out start there.
   */
  async seek(topic: string, partition: number, offset: number): Promise<void> {
    const group = this.run$?.group;
    if (group === undefined) throw new Error('seek needs a running StreamConsumer');
    this.positions.seekStarted({ topic, partition }, offset);
    try {
      await this.admin.resetStreamOffsets(group, {
        topic,
        partitions: [partition],
        to: { offset },
      });
    } finally {
      this.positions.seekDone({ topic, partition }, this.polls);
    }
  }

  private async consume(
    run: StreamRunOptions,
    member: StreamMember,
    joined: () => void,
  ): Promise<void> {
    const signal = this.stopping.signal;
    for (let attempt = 0; !signal.aborted;) {
      try {
        if (!member.isJoined) {
          const changed = await member.join(signal);
          this.positions.clearPositions();
          joined();
          if (changed) this.assignmentChanged(run, member);
        }
        const pollNumber = ++this.polls;
        const answer = await member.poll(
          run.maxRecords ?? 500,
          run.pollWaitMs ?? 1000,
          signal,
          this.positions.pausedList,
        );
        if (answer.changed) this.assignmentChanged(run, member);
        const batches = this.positions.take(answer.records.map(fromWire), pollNumber);
        const failed = await this.handleAll(run, member, batches);
        attempt = failed ? attempt + 1 : 0;
        if (failed) await sleep(backoffDelayMs(attempt - 1, this.retryBackoff), signal);
      } catch (error) {
        if (signal.aborted) break;
        if (hasErrorCode(error, WeirErrorCode.MEMBER_NOT_FOUND)) {
          member.forget(); // session expired or the broker restarted: join again at once
          continue;
        }
        this.reportError(error);
        // An unanswered poll may have moved the member past records it never got: start over.
        await member.leave().catch(() => member.forget());
        await sleep(backoffDelayMs(attempt++, this.retryBackoff), signal);
      }
    }
    joined();
    await member.leave().catch((error: unknown) => this.reportError(error));
  }

  /**
   * Runs the batches one by one and commits those that succeeded; true if one failed. Meanwhile
   * heartbeats name the partitions whose records are still in hand (`owned`). A partition
   * revoked meanwhile is not started, or is committed as soon as its batch ends, and let go at
   * once: its new owner resumes exactly there.
   */
  private async handleAll(
    run: StreamRunOptions,
    member: StreamMember,
    batches: StreamBatch[],
  ): Promise<boolean> {
    const inHand = new Map(batches.map((b) => [partitionKey(b), b]));
    const letGo = (batch: StreamBatch) => inHand.delete(partitionKey(batch));
    const heartbeat = new ProcessingHeartbeat(
      member,
      this.heartbeatIntervalMs(run),
      () => [...inHand.values()].map(({ topic, partition }) => ({ topic, partition })),
      () => this.assignmentChanged(run, member),
      (error) => this.reportError(error),
    );
    const offsets: CommitOffset[] = [];
    let failed = false;
    heartbeat.start();
    try {
      for (const batch of batches) {
        if (this.stopping.signal.aborted) break;
        const last = batch.records[batch.records.length - 1];
        if (!last || !member.owns(batch) || !this.positions.admit(batch)) {
          if (letGo(batch) && !member.owns(batch)) heartbeat.beat();
          continue;
        }
        try {
          await run.eachBatch(batch);
        } catch (error) {
          failed = true;
          this.reportError(error);
          letGo(batch);
          const first = batch.records[0]?.offset ?? last.offset;
          await this.seek(batch.topic, batch.partition, first).catch((e: unknown) =>
            this.reportError(e),
          );
          continue;
        }
        if (this.positions.isSeeking(batch)) {
          letGo(batch); // sought meanwhile: the seek decides
          continue;
        }
        const offset = { topic: batch.topic, partition: batch.partition, offset: last.offset + 1 };
        if (member.owns(batch)) {
          this.positions.advance(batch);
          offsets.push(offset);
        } else {
          await member.commit([offset]).catch((error: unknown) => this.reportError(error));
          letGo(batch);
          heartbeat.beat();
        }
      }
      if (offsets.length > 0) await member.commit(offsets);
    } finally {
      await heartbeat.stop();
    }
    return failed;
  }

  private heartbeatIntervalMs(run: StreamRunOptions): number {
    return run.heartbeatIntervalMs ?? Math.min(3000, (run.sessionTimeoutMs ?? 45_000) / 3);
  }

  private assignmentChanged(run: StreamRunOptions, member: StreamMember): void {
    const assignment = member.assignment;
    this.positions.retain(assignment);
    try {
      run.onAssignment?.(assignment, member.generation);
    } catch (error) {
      this.reportError(error);
    }
  }

  private get retryBackoff(): BackoffOptions {
    return this.options.retryBackoff ?? { initialMs: 100, maxMs: 3000 };
  }

  private reportError(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else if (!(error instanceof WeirError && error.retriable)) {
      process.emitWarning(`Weir StreamConsumer: ${errorMessage(error)}`);
    }
  }
}
