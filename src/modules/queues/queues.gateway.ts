import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AccessControl } from '../../auth/access-control';
import { BROKER_CONFIG } from '../../common/core.module';
import { parseWith } from '../../common/http/validation.guard';
import type { BrokerConfig } from '../../config/broker-config';
import { FrameRouter } from '../../ws/frame-router';
import { SubscriptionHub } from '../../ws/subscription-hub';
import { LogWaiters } from '../topics/log-waiters';
import { ShareAckService } from './share-ack.service';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { ShareSubscription } from './share-subscription';

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

/** WebSocket frames of share groups: `subscribe` in mode `share`, and `ack`. */
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
        this.delivery,
        this.waiters,
        this.config.maxWaitMs,
      );
      // Pushes start after the `subscribed` answer has been sent.
      setImmediate(() => subscription.start());
      return { subscription, answer: { memberId } };
    });
    this.router.register('ack', async (raw) => {
      const frame = parseWith(ackFrameSchema, raw, 'frame');
      return { type: 'acked', results: await this.acks.acknowledge(undefined, frame.acks) };
    });
  }
}
