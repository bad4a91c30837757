import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { parseWith } from '../../common/http/validation.guard';
import { SubscriptionHub } from '../../ws/subscription-hub';
import { LogWaiters } from '../topics/log-waiters';
import { MemberKind } from './domain/group-member';
import { StreamConsumerService } from './stream-consumer.service';
import { StreamGroupRouting } from './stream-group-routing';
import { StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
import { StreamSubscription } from './stream-subscription';
import { subscribeStreamFrameSchema } from './streams.schemas';

/** WebSocket frames of streaming consumer groups: `subscribe` in mode `stream`. */
@Injectable()
export class StreamsGateway implements OnModuleInit {
  constructor(
    @Inject(SubscriptionHub) private readonly hub: SubscriptionHub,
    @Inject(StreamGroupsService) private readonly groups: StreamGroupsService,
    @Inject(StreamOffsetsService) private readonly offsets: StreamOffsetsService,
    @Inject(StreamConsumerService) private readonly consumer: StreamConsumerService,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(StreamGroupRouting) private readonly routing: StreamGroupRouting,
  ) {}

  onModuleInit(): void {
    this.hub.registerMode('stream', async (raw, session, subscriptionId) => {
      const frame = parseWith(subscribeStreamFrameSchema, raw, 'frame');
      // In a cluster the group's membership is held by its coordinator: here, for now.
      await this.routing.router.ensureLocal(frame.group);
      const { memberId, generation } = await this.groups.join(
        frame.group,
        { topics: frame.topics, autoOffsetReset: frame.autoOffsetReset, autoCommit: false },
        MemberKind.PUSHED,
      );
      const subscription = new StreamSubscription(
        subscriptionId,
        this.groups.get(frame.group),
        memberId,
        frame.credit,
        session,
        {
          groups: this.groups,
          offsets: this.offsets,
          consumer: this.consumer,
          waiters: this.waiters,
        },
      );
      this.groups.listen(frame.group, memberId, (gen, assignment) =>
        subscription.assignmentChanged(gen, assignment),
      );
      // Pushes start after the `subscribed` answer has been sent.
      setImmediate(() => subscription.start());
      return { subscription, answer: { memberId, generation } };
    });
  }
}
