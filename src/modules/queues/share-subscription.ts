import { ErrorBody, ErrorCode } from '../../common/errors';
import { withRecords } from '../../common/record-wire';
import { LogWaiters } from '../topics/log-waiters';
import { Subscription } from '../../ws/subscription-hub';
import { WsSession } from '../../ws/ws-session';
import { ShareGroup } from './domain/share-group';
import { shareGroupDeletedKey } from './share-delivery.service';
import { IntakeBatch, IntakeRequest, ShareIntake } from './share-intake';

/** What a share subscription was opened with. */
export interface ShareSubscriptionOptions {
  subscriptionId: string;
  memberId: string;
  group: ShareGroup;
  topics: string[] | undefined;
  lockDurationMs: number | undefined;
  credit: number;
}

/** Makes the intake of a subscription (where it acquires records), given what it asks for. */
export type IntakeFactory = (group: ShareGroup, request: IntakeRequest) => ShareIntake;

/**
 * A WebSocket worker: records are pushed as they become available, never more than the credit
 * granted, from the share partitions its intake reaches (this node's, and in a cluster every
 * owner's). Closing (unsubscribe or a closed socket) releases every record it still holds.
 * Records acquired but not sent (the subscription closed meanwhile) are given back with their
 * delivery count restored. When its group is deleted the subscription ends by itself: it sends
 * an `error` frame with its `subscriptionId` and `GROUP_NOT_FOUND`, and is gone from the socket.
 */
export class ShareSubscription implements Subscription {
  private credit: number;
  private closing = false;
  private ended = false;
  private endedListener: (() => void) | undefined;
  private readonly wakeKey: string;
  private readonly intake: ShareIntake;
  private pumping: Promise<void> = Promise.resolve();
  /** Resolves when `close` starts: ends a wait for the socket to drain. */
  private readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;

  constructor(
    private readonly options: ShareSubscriptionOptions,
    private readonly session: WsSession,
    intakeOf: IntakeFactory,
    private readonly waiters: LogWaiters,
    maxWaitMs: number,
  ) {
    this.credit = options.credit;
    this.wakeKey = `subscription:${options.subscriptionId}`;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.intake = intakeOf(options.group, {
      memberId: options.memberId,
      topics: options.topics,
      lockDurationMs: options.lockDurationMs,
      wakeKey: this.wakeKey,
      waitMs: maxWaitMs,
    });
  }

  start(): void {
    this.pumping = this.pump();
  }

  grant(records: number): void {
    this.credit += records;
    this.waiters.notify(this.wakeKey);
  }

  onEnded(listener: () => void): void {
    if (this.ended) listener();
    else this.endedListener = listener;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.markClosed();
    this.waiters.notify(this.wakeKey);
    this.intake.stop();
    await this.pumping;
    await this.intake.releaseMember();
  }

  private async pump(): Promise<void> {
    const { group } = this.options;
    try {
      while (!this.closing && !this.waiters.isClosed) {
        if (group.deleted) {
          await this.end({
            code: ErrorCode.GROUP_NOT_FOUND,
            message: `Share group '${group.name}' was deleted; the subscription ended`,
          });
          return;
        }
        if (this.credit <= 0) {
          await this.waiters.waitForAny([this.wakeKey, shareGroupDeletedKey(group.id)], 3_600_000);
          continue;
        }
        // acquire nothing while the socket cannot take it; an unsubscribe ends the wait
        await Promise.race([this.session.whenWritable(), this.closed]);
        if (this.closing) break;
        const batch = await this.intake.receive(
          this.credit,
          () => this.closing || this.credit <= 0,
        );
        if (batch.count === 0) continue;
        // Records that were not sent count as no delivery (and are never dead-lettered for it).
        let sent: boolean;
        try {
          sent = this.push(batch);
        } catch (error) {
          await this.intake.giveBack(batch);
          throw error;
        }
        if (!sent) {
          await this.intake.giveBack(batch);
          return;
        }
      }
    } catch (error) {
      await this.end({
        code: ErrorCode.INTERNAL_ERROR,
        message: `subscription stopped: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /** Sends the records and charges the credit; false when they could not be sent. */
  private push(batch: IntakeBatch): boolean {
    if (this.closing || this.session.isClosed) return false;
    const sent = this.session.sendRaw(
      withRecords({ type: 'records', subscriptionId: this.options.subscriptionId }, batch.records),
    );
    if (sent) this.credit -= batch.count;
    return sent;
  }

  /** Ends the subscription on its own: tells the client, gives back what it holds. */
  private async end(error: ErrorBody): Promise<void> {
    this.ended = true;
    this.session.send({ type: 'error', subscriptionId: this.options.subscriptionId, error });
    this.endedListener?.();
    try {
      await this.intake.releaseMember();
    } catch {
      // The records stay locked until their locks expire (the broker is shutting down).
    }
  }
}
