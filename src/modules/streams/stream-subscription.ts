import { Logger } from '@nestjs/common';
import { ErrorBody, ErrorCode } from '../../common/errors';
import { parseWith } from '../../common/http/validation.guard';
import { Subscription } from '../../ws/subscription-hub';
import { withRecords } from '../../common/record-wire';
import { WsSession } from '../../ws/ws-session';
import { LogWaiters } from '../topics/log-waiters';
import { AssignedPartition } from './domain/group-partition';
import { StreamConsumerService } from './stream-consumer.service';
import { StreamGroupEntry, StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
import { commitFrameSchema } from './streams.schemas';

/** The services a stream subscription works with. */
export interface StreamSubscriptionServices {
  groups: StreamGroupsService;
  offsets: StreamOffsetsService;
  consumer: StreamConsumerService;
  waiters: LogWaiters;
}

/**
 * A WebSocket member of a streaming consumer group (a pushed member). It is sent an
 * `assignment` frame on every change of its partitions, then `records` frames in offset order
 * per partition as records are produced, never more records than the credit granted, and none
 * while the socket's unsent bytes are above their bound (WEIR_WS_MAX_BUFFERED_BYTES). Its
 * `commit` frames commit on its current assignment. Closing it (unsubscribe or a closed
 * socket) is a leave: its partitions go to other members at once.
 */
export class StreamSubscription implements Subscription {
  private readonly logger = new Logger('StreamSubscription');
  private credit: number;
  private started = false;
  private closed = false;
  /** Resolves when the subscription closes: ends a wait for the socket to drain. */
  private readonly closing: Promise<void>;
  private markClosing: () => void = () => undefined;
  private pumping: Promise<void> = Promise.resolve();
  private ended = false;
  private endedListener: (() => void) | undefined;

  constructor(
    private readonly subscriptionId: string,
    private readonly entry: StreamGroupEntry,
    private readonly memberId: string,
    credit: number,
    private readonly session: WsSession,
    private readonly services: StreamSubscriptionServices,
  ) {
    this.credit = credit;
    this.closing = new Promise((resolve) => (this.markClosing = resolve));
  }

  /** Starts pushing; called once the `subscribed` answer has been sent. */
  start(): void {
    if (this.closed || this.started) return;
    this.started = true;
    const { generation, assignment } = this.services.groups.assignment(this.entry, this.memberId);
    this.assignmentChanged(generation, assignment);
    this.pumping = this.pump();
  }

  /** Sends the member's new assignment. */
  assignmentChanged(generation: number, assignment: AssignedPartition[]): void {
    if (!this.started || this.closed) return;
    this.session.send({
      type: 'assignment',
      subscriptionId: this.subscriptionId,
      generation,
      assignment,
    });
  }

  grant(records: number): void {
    this.credit += records;
    this.services.groups.wake(this.entry.group.name, this.memberId);
  }

  async commit(raw: Record<string, unknown>): Promise<object> {
    const frame = parseWith(commitFrameSchema, raw, 'frame');
    const offsets = await this.services.offsets.commit(
      this.entry.group.name,
      this.memberId,
      frame.generation,
      frame.offsets,
    );
    return { type: 'committed', subscriptionId: this.subscriptionId, offsets };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markClosing();
    this.services.groups.wake(this.entry.group.name, this.memberId);
    await this.pumping;
    this.leave();
  }

  onEnded(listener: () => void): void {
    if (this.ended) listener();
    else this.endedListener = listener;
  }

  /** Ends the subscription on its own: tells the client why (with its id), and is forgotten. */
  private end(error: ErrorBody): void {
    this.ended = true;
    this.closed = true;
    this.markClosing();
    this.session.send({ type: 'error', subscriptionId: this.subscriptionId, error });
    this.endedListener?.();
  }

  private leave(): void {
    this.services.groups.listen(this.entry.group.name, this.memberId, undefined);
    this.services.groups.leave(this.entry, this.memberId);
  }

  private async pump(): Promise<void> {
    const { consumer, waiters, groups } = this.services;
    while (!this.closed && !waiters.isClosed) {
      const member = this.entry.group.member(this.memberId);
      if (!member) {
        if (this.closed) return;
        // removed without a leave: its group's coordinator moved to another node (a cluster)
        this.end({
          code: ErrorCode.MEMBER_NOT_FOUND,
          message: 'The member left its group (its coordinator changed); subscribe again',
        });
        return;
      }
      try {
        // credit alone does not bound the socket's memory; an unsubscribe ends the wait
        await Promise.race([this.session.whenWritable(), this.closing]);
        if (this.closed) break;
        const records = await consumer.readForPush(this.entry, member, this.credit);
        if (this.closed) break;
        if (records && records.count > 0) {
          this.credit -= records.count;
          this.session.sendRaw(
            withRecords({ type: 'records', subscriptionId: this.subscriptionId }, records.json),
          );
          continue;
        }
        await consumer.waitForWork(this.entry, this.memberId, this.credit > 0);
        groups.refresh(this.entry);
      } catch (error) {
        this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
        this.leave(); // its partitions must not stay with a member that no longer reads them
        this.end({ code: ErrorCode.INTERNAL_ERROR, message: 'stream subscription stopped' });
        return;
      }
    }
  }
}
