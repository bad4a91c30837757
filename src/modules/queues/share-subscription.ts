import { LogWaiters } from '../topics/log-waiters';
import { Subscription } from '../../ws/subscription-hub';
import { WsSession } from '../../ws/ws-session';
import { ShareGroup } from './domain/share-group';
import { ShareDeliveryService } from './share-delivery.service';

/** What a share subscription was opened with. */
export interface ShareSubscriptionOptions {
  subscriptionId: string;
  memberId: string;
  group: ShareGroup;
  topics: string[] | undefined;
  lockDurationMs: number | undefined;
  credit: number;
}

/**
 * A WebSocket worker: records are pushed as they become available, never more than the credit
 * granted. Closing (unsubscribe or a closed socket) releases every record it still holds.
 */
export class ShareSubscription implements Subscription {
  private credit: number;
  private closed = false;
  private readonly wakeKey: string;
  private pumping: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ShareSubscriptionOptions,
    private readonly session: WsSession,
    private readonly delivery: ShareDeliveryService,
    private readonly waiters: LogWaiters,
    private readonly maxWaitMs: number,
  ) {
    this.credit = options.credit;
    this.wakeKey = `subscription:${options.subscriptionId}`;
  }

  start(): void {
    this.pumping = this.pump();
  }

  grant(records: number): void {
    this.credit += records;
    this.waiters.notify(this.wakeKey);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.notify(this.wakeKey);
    await this.pumping;
    await this.delivery.releaseMember(this.options.group, this.options.memberId);
  }

  private async pump(): Promise<void> {
    while (!this.closed && !this.waiters.isClosed) {
      if (this.credit <= 0) {
        await this.waiters.waitForAny([this.wakeKey], 3_600_000);
        continue;
      }
      try {
        await this.session.whenWritable(); // acquire nothing while the socket cannot take it
        const { records } = await this.delivery.receive(this.options.group.name, {
          memberId: this.options.memberId,
          maxRecords: this.credit,
          waitMs: this.maxWaitMs,
          wakeKey: this.wakeKey,
          cancelled: () => this.closed || this.credit <= 0,
          ...(this.options.topics ? { topics: this.options.topics } : {}),
          ...(this.options.lockDurationMs !== undefined
            ? { lockDurationMs: this.options.lockDurationMs }
            : {}),
        });
        if (records.length === 0 || this.closed) continue;
        this.credit -= records.length;
        this.session.send({
          type: 'records',
          subscriptionId: this.options.subscriptionId,
          records,
        });
      } catch (error) {
        this.session.sendError(
          {
            code: 'INTERNAL_ERROR',
            message: `subscription stopped: ${error instanceof Error ? error.message : String(error)}`,
          },
          undefined,
        );
        this.closed = true;
      }
    }
  }
}
