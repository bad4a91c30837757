import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AccessControl } from '../../auth/access-control';
import { AckRouter } from '../../cluster/ack-router';
import type { CallerContext } from '../../cluster/produce-router';
import { ReceiveRouter } from '../../cluster/receive-router';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { parseWith } from '../../common/http/validation.guard';
import type { BrokerConfig } from '../../config/broker-config';
import { FrameRouter } from '../../ws/frame-router';
import { SubscriptionHub } from '../../ws/subscription-hub';
import { WsSession } from '../../ws/ws-session';
import { LogWaiters } from '../topics/log-waiters';
import { ShareAckService } from './share-ack.service';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { GatheredShareIntake, LocalShareIntake } from './share-intake';
import { IntakeFactory, ShareSubscription } from './share-subscription';

const subscribeShareSchema = z.object({
  type: z.literal('subscribe'),
  requestId: z.unknown().optional(),
  mode: z.literal('share'),
  group: z.string(),
  topics: z.array(z.string()).min(1).optional(),
  credit: z.number().int().nonnegative(),
  lockDurationMs: z.number().int().optional(),
  memberId: z.string().min(1).max(256).optional(),
});

const ackFrameSchema = z.object({
  type: z.literal('ack'),
  requestId: z.unknown().optional(),
  acks: z.array(z.unknown()).min(1),
});

/** The caller a socket's forwarded requests carry: the token its upgrade carried. */
const callerOf = (session: WsSession): CallerContext =>
  session.credential !== undefined ? { authorization: `Bearer ${session.credential}` } : {};

/**
 * WebSocket frames of share groups: `subscribe` in mode `share`, and `ack`. In a cluster a
 * subscription gathers records from every owner of the group's partitions, and an `ack` frame
 * is routed by each receipt's partition, as HTTP receives and acks are (DESIGN §7 "Routing").
 */
@Injectable()
export class QueuesGateway implements OnModuleInit {
  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(SubscriptionHub) private readonly hub: SubscriptionHub,
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareDeliveryService) private readonly delivery: ShareDeliveryService,
    @Inject(ShareAckService) private readonly acks: ShareAckService,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(ReceiveRouter) private readonly receiveRouter: ReceiveRouter,
    @Inject(AckRouter) private readonly ackRouter: AckRouter,
  ) {}

  onModuleInit(): void {
    this.access.useGroupTopics((name) => this.groups.find(name)?.config.topics);
    this.hub.registerMode('share', async (raw, session, subscriptionId) => {
      const frame = parseWith(subscribeShareSchema, raw, 'frame');
      if (frame.lockDurationMs !== undefined) this.delivery.lockDuration(frame.lockDurationMs);
      await this.groups.lookup(frame.group);
      const group = frame.topics
        ? await this.groups.ensure(frame.group, frame.topics)
        : this.groups.get(frame.group);
      const memberId = frame.memberId ?? randomUUID();
      const subscription = new ShareSubscription(
        {
          subscriptionId,
          memberId,
          group,
          topics: frame.topics,
          lockDurationMs: frame.lockDurationMs,
          credit: frame.credit,
        },
        session,
        this.intakeFactory(session),
        this.waiters,
        // in a cluster a round also ends when owners may have changed, to ask the new ones
        this.receiveRouter.clustered
          ? Math.min(this.config.maxWaitMs, this.config.leaseMs)
          : this.config.maxWaitMs,
      );
      // Pushes start after the `subscribed` answer has been sent.
      setImmediate(() => subscription.start());
      return { subscription, answer: { memberId } };
    });
    this.router.register('ack', async (raw, session) => {
      const frame = parseWith(ackFrameSchema, raw, 'frame');
      if (!this.receiveRouter.clustered) {
        return { type: 'acked', results: await this.acks.acknowledge(undefined, frame.acks) };
      }
      if (frame.acks.length > this.config.maxAckBatch) {
        throw new BrokerError(
          ErrorCode.BATCH_TOO_LARGE,
          `At most ${this.config.maxAckBatch} acknowledgements per request, got ${frame.acks.length}`,
        );
      }
      const results = await this.ackRouter.acknowledgeByReceipt(
        frame.acks,
        (groupId) => this.groups.findById(groupId)?.name,
        callerOf(session),
      );
      return { type: 'acked', results };
    });
  }

  /** Where a socket's subscriptions acquire: here only, or in a cluster at every owner. */
  private intakeFactory(session: WsSession): IntakeFactory {
    if (!this.receiveRouter.clustered) {
      return (group, request) => new LocalShareIntake(group, request, this.delivery);
    }
    const caller = callerOf(session);
    return (group, request) =>
      new GatheredShareIntake(
        group,
        request,
        this.delivery,
        this.waiters,
        this.receiveRouter,
        caller,
      );
  }
}
