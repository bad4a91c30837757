/** Where a member starts a partition that has no committed offset (Kafka's `auto.offset.reset`). */
export const AutoOffsetReset = {
  EARLIEST: 'earliest',
  LATEST: 'latest',
} as const;
export type AutoOffsetReset = (typeof AutoOffsetReset)[keyof typeof AutoOffsetReset];

/**
 * How a member takes records, which decides how it stays alive and acknowledges revocations.
 * - `polling` (HTTP): alive while it heartbeats or polls within its session timeout; it
 *   acknowledges a revocation with its next heartbeat or poll.
 * - `pushed` (WebSocket): alive while its connection is open, and closing it is its leave; the
 *   broker decides what it pushes, so it acknowledges a revocation on the member's behalf by
 *   stopping the pushes of that partition at once.
 */
export const MemberKind = {
  POLLING: 'polling',
  PUSHED: 'pushed',
} as const;
export type MemberKind = (typeof MemberKind)[keyof typeof MemberKind];

/** What a member asked for when it joined. */
export interface MemberSettings {
  kind: MemberKind;
  /** Topics the member subscribes to, each once. */
  topics: readonly string[];
  /** A polling member is removed when it has not been seen for this long. */
  sessionTimeoutMs: number;
  autoOffsetReset: AutoOffsetReset;
  /** Commit what a poll returned when the member polls again. */
  autoCommit: boolean;
}

/**
 * One member of a consumer group: its settings, its liveness and its position (the next offset
 * to read) in each partition it owns. Positions live only in memory; committed offsets are what
 * survives a rebalance or a restart.
 */
export class GroupMember {
  private readonly positions = new Map<string, number>();
  /** Next offset after the records the last poll returned, per partition, not yet committed. */
  private readonly returned = new Map<string, number>();
  private lastSeenMs: number;
  private openPolls = 0;
  private rotation = 0;

  constructor(
    readonly memberId: string,
    public settings: MemberSettings,
    nowMs: number,
  ) {
    this.lastSeenMs = nowMs;
  }

  /** The member is alive at `nowMs`. */
  touch(nowMs: number): void {
    this.lastSeenMs = Math.max(this.lastSeenMs, nowMs);
  }

  /** A poll of the member is waiting: its session does not expire meanwhile. */
  pollStarted(): void {
    this.openPolls++;
  }

  pollEnded(nowMs: number): void {
    this.openPolls = Math.max(0, this.openPolls - 1);
    this.touch(nowMs);
  }

  /** When the member's session expires, or undefined while nothing can expire it. */
  sessionDeadlineMs(): number | undefined {
    if (this.settings.kind === MemberKind.PUSHED || this.openPolls > 0) return undefined;
    return this.lastSeenMs + this.settings.sessionTimeoutMs;
  }

  subscribesTo(topic: string): boolean {
    return this.settings.topics.includes(topic);
  }

  position(key: string): number | undefined {
    return this.positions.get(key);
  }

  /** Moves the member's position in a partition it owns, dropping what awaited an auto-commit. */
  seek(key: string, offset: number): void {
    this.positions.set(key, offset);
    this.returned.delete(key);
  }

  /** Records that a read returned a partition's records up to, not including, `nextOffset`. */
  advance(key: string, nextOffset: number): void {
    this.positions.set(key, nextOffset);
    if (this.settings.autoCommit) this.returned.set(key, nextOffset);
  }

  /** Takes the offsets an auto-commit must write: what the previous poll returned. */
  takeReturned(): Map<string, number> {
    const taken = new Map(this.returned);
    this.returned.clear();
    return taken;
  }

  /** Forgets a partition the member no longer owns, or whose position was reset. */
  forget(key: string): void {
    this.positions.delete(key);
    this.returned.delete(key);
  }

  /** A different starting point on each read, so one busy partition cannot starve the others. */
  nextRotation(): number {
    return this.rotation++;
  }
}
