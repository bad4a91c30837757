import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BROKER_CONFIG } from '../common/core.module';
import { BrokerError, ErrorCode } from '../common/errors';
import { assertRoomForSubscription } from '../common/limits';
import type { BrokerConfig } from '../config/broker-config';
import { FrameRouter } from './frame-router';
import { WsSession } from './ws-session';

/**
 * A push subscription on one socket: the server sends `records` frames, never more records than
 * the credit granted. Modules implement it for their `mode`.
 */
export interface Subscription {
  /** Adds `records` to the credit. */
  grant(records: number): void;
  /** Stops pushing and gives back what the subscription holds; called once. */
  close(): void | Promise<void>;
  /**
   * Registers what to run when the subscription ends by itself (say, its group was deleted):
   * the hub forgets it, so later frames naming it answer `SUBSCRIPTION_NOT_FOUND`.
   */
  onEnded?(listener: () => void): void;
  /** Handles a `commit` frame (stream subscriptions only); answers the frame to send back. */
  commit?(frame: Record<string, unknown>): Promise<object> | object;
}

/** Opens a subscription of one mode for a `subscribe` frame; answers `subscribed` fields. */
export type SubscribeHandler = (
  frame: Record<string, unknown>,
  session: WsSession,
  subscriptionId: string,
) => Promise<{ subscription: Subscription; answer: Record<string, unknown> }>;

const positiveCount = (value: unknown, field: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new BrokerError(ErrorCode.INVALID_REQUEST, `${field} must be a non-negative integer`);
  }
  return value;
};

/**
 * The WebSocket subscription frames shared by every mode: `subscribe` (routed by `mode`),
 * `credit`, `commit` and `unsubscribe` (routed by `subscriptionId`). A closed socket closes all
 * of its subscriptions. At shutdown every subscription is closed, and awaited, before the
 * database closes: what share subscriptions hold is released at once, not left to lock expiry.
 */
@Injectable()
export class SubscriptionHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('SubscriptionHub');
  private readonly modes = new Map<string, SubscribeHandler>();
  private readonly bySession = new Map<WsSession, Map<string, Subscription>>();
  private shuttingDown = false;

  /** Subscribe frames still being answered, per socket: they count against the limit. */
  private readonly opening = new Map<WsSession, number>();

  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  registerMode(mode: string, handler: SubscribeHandler): void {
    if (this.modes.has(mode)) throw new Error(`subscription mode '${mode}' registered twice`);
    this.modes.set(mode, handler);
  }

  /** Number of open subscriptions, over all sockets. */
  get size(): number {
    let n = 0;
    for (const subs of this.bySession.values()) n += subs.size;
    return n;
  }

  onModuleInit(): void {
    this.router.register('subscribe', async (frame, session) => {
      const handler = this.modes.get(String(frame.mode));
      if (!handler) {
        throw new BrokerError(
          ErrorCode.INVALID_REQUEST,
          `subscribe needs a mode of ${[...this.modes.keys()].map((m) => `'${m}'`).join(' or ')}`,
        );
      }
      const opening = this.opening.get(session) ?? 0;
      const open = (this.bySession.get(session)?.size ?? 0) + opening;
      assertRoomForSubscription(open, this.config.maxSubscriptionsPerSocket);
      const subscriptionId = randomUUID();
      this.opening.set(session, opening + 1);
      let opened: Awaited<ReturnType<SubscribeHandler>>;
      try {
        opened = await handler(frame, session, subscriptionId);
      } finally {
        const left = (this.opening.get(session) ?? 1) - 1;
        if (left > 0) this.opening.set(session, left);
        else this.opening.delete(session);
      }
      const { subscription, answer } = opened;
      if (session.isClosed || this.shuttingDown) {
        await subscription.close();
        if (!this.shuttingDown) return;
        throw new BrokerError(ErrorCode.SHUTTING_DOWN, 'The broker is shutting down');
      }
      let subs = this.bySession.get(session);
      if (!subs) {
        this.bySession.set(session, (subs = new Map<string, Subscription>()));
        session.onClose(() => void this.closeAll(session));
      }
      subs.set(subscriptionId, subscription);
      const held = subs;
      subscription.onEnded?.(() => {
        if (held.get(subscriptionId) === subscription) held.delete(subscriptionId);
      });
      return { type: 'subscribed', subscriptionId, ...answer };
    });
    this.router.register('credit', (frame, session) => {
      const subscription = this.find(session, frame.subscriptionId);
      subscription.grant(positiveCount(frame.records, 'records'));
    });
    this.router.register('commit', (frame, session) => {
      const subscription = this.find(session, frame.subscriptionId);
      if (!subscription.commit) {
        throw new BrokerError(ErrorCode.INVALID_REQUEST, 'commit is only for stream subscriptions');
      }
      return subscription.commit(frame);
    });
    this.router.register('unsubscribe', async (frame, session) => {
      const subscription = this.find(session, frame.subscriptionId);
      this.bySession.get(session)?.delete(String(frame.subscriptionId));
      await subscription.close();
      return { type: 'unsubscribed', subscriptionId: frame.subscriptionId };
    });
  }

  /** Runs before the persistence module closes the database (its hook is a later phase). */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.bySession.keys()].map((session) => this.closeAll(session)));
  }

  private find(session: WsSession, subscriptionId: unknown): Subscription {
    const subscription = this.bySession.get(session)?.get(String(subscriptionId));
    if (!subscription) {
      throw new BrokerError(
        ErrorCode.SUBSCRIPTION_NOT_FOUND,
        `No subscription '${String(subscriptionId)}' on this socket`,
      );
    }
    return subscription;
  }

  private async closeAll(session: WsSession): Promise<void> {
    const subs = this.bySession.get(session);
    this.bySession.delete(session);
    for (const subscription of subs?.values() ?? []) {
      try {
        await subscription.close();
      } catch (error) {
        this.logger.warn(
          `closing a subscription failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
