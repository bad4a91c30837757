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
import { RemoteStreamSubscription } from './remote-stream-subscription';
import { Clock } from '../../common/clock';
import { WsSession } from '../../ws/ws-session';

/** How often a remote WebSocket member without credit heartbeats to its coordinator. Ms. */
const REMOTE_HEARTBEAT_MS = 3_000;

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
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private async subscribeRemote(
    frame: {
      group: string;
      topics: string[];
      autoOffsetReset: 'earliest' | 'latest';
      credit: number;
    },
    session: WsSession,
    subscriptionId: string,
  ) {
    const authorization =
      session.credential === undefined ? undefined : `Bearer ${session.credential}`;
    const subscription = new RemoteStreamSubscription(
      subscriptionId,
      { ...frame, authorization },
      session,
      this.routing,
      this.clock,
      REMOTE_HEARTBEAT_MS,
    );
    const answer = await subscription.join();
    setImmediate(() => subscription.begin());
    return { subscription, answer };
  }

  onModuleInit(): void {
    this.hub.registerMode('stream', async (raw, session, subscriptionId) => {
      const frame = parseWith(subscribeStreamFrameSchema, raw, 'frame');
      // In a cluster the group's membership is held by its coordinator: when that is another
      // node, this node acts as the member towards it and serves the socket.
      if (this.routing.router.clustered && !(await this.routing.coordinatesHere(frame.group))) {
        return this.subscribeRemote(frame, session, subscriptionId);
      }
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
