import { Admin } from './admin';
import { hasErrorCode, WeirErrorCode } from './errors';
import { Endpoint, requestJson, tokenOf } from './http-json';
import { partitionKey, TopicPartition, WireRecord } from './records';

/** How a member joins (`POST /streams/groups/:group/members`). */
export interface JoinOptions {
  topics: string[];
  autoOffsetReset: 'earliest' | 'latest';
  sessionTimeoutMs?: number;
}

/** An offset to commit: the next one to read in that partition. */
export interface CommitOffset extends TopicPartition {
  offset: number;
}

interface AssignmentAnswer {
  generation: number;
  assignment: TopicPartition[];
}

/** Attempts of a commit that meets rebalances (each learns the new generation). */
const COMMIT_ATTEMPTS = 3;

/**
 * One membership in a streaming consumer group over HTTP: join, poll, heartbeat, commit,
 * leave. It keeps the member id, the generation and the assignment of the latest answer.
 * Commits are manual (`autoCommit: false`), so that only handled records are committed.
 */
export class StreamMember {
  private memberId: string | undefined;
  private joined = false;
  private lastGeneration = -1;
  private current: TopicPartition[] = [];
  private readonly admin: Admin;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly group: string,
    private readonly options: JoinOptions,
  ) {
    this.admin = new Admin(endpoint.url, tokenOf(endpoint));
  }

  get isJoined(): boolean {
    return this.joined;
  }

  /** The generation of the latest answer (-1 before the first). */
  get generation(): number {
    return this.lastGeneration;
  }

  get assignment(): TopicPartition[] {
    return [...this.current];
  }

  get id(): string | undefined {
    return this.memberId;
  }

  /** Joins (again under the same id, if it had one); true when the assignment changed. */
  async join(signal?: AbortSignal): Promise<boolean> {
    const answer = await requestJson<AssignmentAnswer & { memberId: string }>(
      this.endpoint,
      'POST',
      this.base,
      {
        topics: this.options.topics,
        autoCommit: false,
        autoOffsetReset: this.options.autoOffsetReset,
        ...(this.memberId !== undefined ? { memberId: this.memberId } : {}),
        ...(this.options.sessionTimeoutMs !== undefined
          ? { sessionTimeoutMs: this.options.sessionTimeoutMs }
          : {}),
      },
      signal ? { signal } : {},
    );
    this.memberId = answer.memberId;
    this.joined = true;
    this.lastGeneration = -1;
    return this.observe(answer);
  }

  /** The broker no longer knows this member (session expired, broker restarted). */
  forget(): void {
    this.joined = false;
  }

  /**
   * One poll, waiting up to `waitMs` for records; `changed` when the assignment moved. The
   * broker reads none of the `paused` partitions and keeps their positions.
   */
  async poll(
    maxRecords: number,
    waitMs: number,
    signal: AbortSignal,
    paused: readonly TopicPartition[] = [],
  ): Promise<{ records: WireRecord[]; changed: boolean }> {
    const answer = await requestJson<AssignmentAnswer & { records: WireRecord[] }>(
      this.endpoint,
      'POST',
      `${this.memberPath}/poll`,
      { maxRecords, waitMs, ...(paused.length > 0 ? { paused } : {}) },
      { signal, timeoutMs: waitMs + 30_000 },
    );
    return { records: answer.records, changed: this.observe(answer) };
  }

  /**
   * Keeps the session alive; true when the assignment changed. `owned` lists the partitions
   * the member still reads (records in hand, not yet committed): the broker hands over a revoked
   * partition only once `owned` no longer names it. Without `owned`, a heartbeat only keeps the
   * member alive.
   */
  async heartbeat(owned?: readonly TopicPartition[]): Promise<boolean> {
    const answer = await requestJson<AssignmentAnswer>(
      this.endpoint,
      'POST',
      `${this.memberPath}/heartbeat`,
      owned === undefined ? {} : { owned },
    );
    return this.observe(answer);
  }

  /** Whether the latest answer still assigns `partition` to this member. */
  owns(partition: TopicPartition): boolean {
    const key = partitionKey(partition);
    return this.current.some((p) => partitionKey(p) === key);
  }

  /**
   * Commits `offsets`. A rebalance since the last answer (`STALE_GENERATION`) is met by
   * reading the group's current generation and owners, which does not acknowledge a
   * revocation, and committing again what this member still owns; offsets of partitions it
   * lost are dropped (their new owner reads them again: at least once).
   */
  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    let pending = [...offsets];
    let generation = this.lastGeneration;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await requestJson(this.endpoint, 'POST', `/streams/groups/${this.segment}/offsets`, {
          memberId: this.memberId,
          generation,
          offsets: pending,
        });
        return;
      } catch (error) {
        if (attempt >= COMMIT_ATTEMPTS) throw error;
        if (hasErrorCode(error, WeirErrorCode.STALE_GENERATION)) {
          const group = await this.admin.describeStreamGroup(this.group);
          const mine = new Set(
            group.partitions.filter((p) => p.memberId === this.memberId).map(partitionKey),
          );
          generation = group.generation;
          pending = pending.filter((o) => mine.has(partitionKey(o)));
        } else if (hasErrorCode(error, WeirErrorCode.NOT_PARTITION_OWNER)) {
          const foreign = (error.details as { partitions?: TopicPartition[] } | undefined)
            ?.partitions;
          const lost = new Set((foreign ?? []).map(partitionKey));
          pending = pending.filter((o) => !lost.has(partitionKey(o)));
        } else {
          throw error;
        }
      }
    }
  }

  /** Leaves the group (best effort: a broker that is down forgets the member anyway). */
  async leave(): Promise<void> {
    if (!this.joined || this.memberId === undefined) return;
    this.joined = false;
    await requestJson(this.endpoint, 'DELETE', this.memberPath, undefined, { timeoutMs: 5000 });
  }

  private get segment(): string {
    return encodeURIComponent(this.group);
  }

  private get base(): string {
    return `/streams/groups/${this.segment}/members`;
  }

  private get memberPath(): string {
    return `${this.base}/${encodeURIComponent(this.memberId ?? '')}`;
  }

  /** Takes the latest generation and assignment; true when the partitions changed. */
  private observe(answer: AssignmentAnswer): boolean {
    const before =
      this.lastGeneration === -1 ? undefined : this.current.map(partitionKey).join(',');
    this.lastGeneration = answer.generation;
    this.current = answer.assignment;
    return this.current.map(partitionKey).join(',') !== before;
  }
}
