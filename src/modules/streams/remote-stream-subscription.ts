import { Logger } from '@nestjs/common';
import { Clock, ScheduledTimer } from '../../common/clock';
import { BrokerError, ErrorCode } from '../../common/errors';
import { parseWith } from '../../common/http/validation.guard';
import { Subscription } from '../../ws/subscription-hub';
import { WsSession } from '../../ws/ws-session';
import { StreamGroupRouting } from './stream-group-routing';
import { commitFrameSchema } from './streams.schemas';

interface Assignment {
  generation: number;
  assignment: Array<{ topic: string; partition: number }>;
}

/** How long one poll of a remote member waits for records. Ms. */
const POLL_WAIT_MS = 1_000;

/** What a remote stream subscription starts from. */
export interface RemoteStreamStart {
  group: string;
  topics: string[];
  autoOffsetReset: 'earliest' | 'latest';
  credit: number;
  authorization?: string;
}

/**
 * A WebSocket member of a streaming group whose coordinator is another node (DESIGN §7): the
 * socket is served here, and this node acts as the member towards the coordinator over HTTP
 * (join, polls, heartbeats while it has no credit, commits, leave on close), through the same
 * routing as any group call. Frames are those of a local subscription: `assignment` on every
 * change, `records` never beyond the credit and never while the socket's unsent bytes are
 * above their bound. A coordinator failover is followed: a member the new coordinator does not
 * know joins again under its id. Joined as an HTTP member without auto-commit, so its session
 * is kept by its polls and heartbeats.
 */
export class RemoteStreamSubscription implements Subscription {
  private readonly logger = new Logger('RemoteStreamSubscription');
  private memberId: string | undefined;
  private current: Assignment = { generation: 0, assignment: [] };
  private credit: number;
  private closed = false;
  private started = false;
  private pumping: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | null = null;
  private timer: ScheduledTimer | null = null;
  /** Resolves when the subscription closes: ends a wait for the socket to drain. */
  private readonly closing: Promise<void>;
  private markClosing: () => void = () => undefined;

  constructor(
    private readonly subscriptionId: string,
    private readonly start: RemoteStreamStart,
    private readonly session: WsSession,
    private readonly routing: StreamGroupRouting,
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
  ) {
    this.credit = start.credit;
    this.closing = new Promise((resolve) => (this.markClosing = resolve));
  }

  /** Joins at the coordinator; answers the `subscribed` fields. */
  async join(): Promise<{ memberId: string; generation: number }> {
    const { topics, autoOffsetReset } = this.start;
    const body = { topics, autoOffsetReset, autoCommit: false, memberId: this.memberId };
    const answer = await this.call<Assignment & { memberId: string }>('POST', '/members', body);
    this.memberId = answer.memberId;
    this.adopt(answer);
    return { memberId: answer.memberId, generation: answer.generation };
  }

  /** Starts pushing; called once the `subscribed` answer has been sent. */
  begin(): void {
    if (this.closed || this.started) return;
    this.started = true;
    this.sendAssignment();
    this.pumping = this.pump();
  }

  grant(records: number): void {
    this.credit += records;
    this.wake();
  }

  async commit(raw: Record<string, unknown>): Promise<object> {
    const frame = parseWith(commitFrameSchema, raw, 'frame');
    const answer = await this.call<{ offsets: unknown[] }>(
      'POST',
      '/offsets',
      {
        memberId: this.memberId,
        generation: frame.generation ?? this.current.generation,
        offsets: frame.offsets,
      },
      false,
    );
    return { type: 'committed', subscriptionId: this.subscriptionId, offsets: answer.offsets };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markClosing();
    this.wake();
    await this.pumping;
    try {
      await this.call(
        'DELETE',
        `/members/${encodeURIComponent(this.memberId ?? '')}`,
        undefined,
        false,
      );
    } catch {
      // the coordinator forgot it already (failover, expiry): nothing to leave
    }
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      try {
        await Promise.race([this.session.whenWritable(), this.closing]);
        if (this.closed) break;
        if (this.credit <= 0) {
          const answer = await this.call<Assignment>('POST', `${this.memberPath()}/heartbeat`, {
            owned: [],
          });
          this.adopt(answer);
          await this.sleep(this.heartbeatMs);
          continue;
        }
        const answer = await this.call<Assignment & { records: unknown[] }>(
          'POST',
          `${this.memberPath()}/poll`,
          { maxRecords: this.credit, waitMs: POLL_WAIT_MS },
        );
        this.adopt(answer);
        if (this.closed || answer.records.length === 0) continue;
        this.credit -= answer.records.length;
        this.session.send({
          type: 'records',
          subscriptionId: this.subscriptionId,
          records: answer.records,
        });
      } catch (error) {
        if (this.closed) break;
        if (error instanceof BrokerError && error.code === ErrorCode.NOT_PARTITION_OWNER) {
          await this.sleep(POLL_WAIT_MS); // a takeover in progress: try again shortly
          continue;
        }
        this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
        this.session.sendError(
          { code: 'INTERNAL_ERROR', message: 'stream subscription stopped' },
          undefined,
        );
        this.closed = true;
        return;
      }
    }
  }

  /**
   * One group call at the coordinator; a member the coordinator does not know (after a
   * failover) joins again under its id first, once.
   */
  private async call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    rejoin = true,
  ): Promise<T> {
    const send = () =>
      this.routing.call<T>(this.start.group, this.start.authorization, {
        method,
        path,
        body,
        waitMs: path.endsWith('/poll') ? POLL_WAIT_MS : 0,
      });
    try {
      return await send();
    } catch (error) {
      const forgotten = error instanceof BrokerError && error.code === ErrorCode.MEMBER_NOT_FOUND;
      if (!forgotten || !rejoin || this.closed) throw error;
      await this.join();
      return send();
    }
  }

  private memberPath(): string {
    return `/members/${encodeURIComponent(this.memberId ?? '')}`;
  }

  private adopt(answer: Assignment): void {
    const changed =
      answer.generation !== this.current.generation ||
      JSON.stringify(answer.assignment) !== JSON.stringify(this.current.assignment);
    this.current = { generation: answer.generation, assignment: answer.assignment };
    if (changed) this.sendAssignment();
  }

  private sendAssignment(): void {
    if (!this.started || this.closed) return;
    this.session.send({
      type: 'assignment',
      subscriptionId: this.subscriptionId,
      generation: this.current.generation,
      assignment: this.current.assignment,
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      this.timer = this.clock.schedule(ms, resolve);
    });
  }

  private wake(): void {
    this.timer?.cancel();
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }
}
