import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { parseWith } from '../../common/http/validation.guard';
import { ProduceRouter } from '../../cluster/produce-router';
import { FrameRouter } from '../../ws/frame-router';
import { produceSchema } from './topics.schemas';

const produceFrameSchema = produceSchema.extend({
  type: z.literal('produce'),
  requestId: z.unknown().optional(),
  topic: z.string(),
});

/** WebSocket frames of the topics module: `produce` → `produced` once durable (routed by owner). */
@Injectable()
export class TopicsGateway implements OnModuleInit {
  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(ProduceRouter) private readonly produceRouter: ProduceRouter,
  ) {}

  onModuleInit(): void {
    this.router.register('produce', async (raw, session) => {
      const frame = parseWith(produceFrameSchema, raw, 'frame');
      // In a cluster, parts for other owners are forwarded with the socket's own token.
      const authorization =
        session.credential === undefined ? undefined : `Bearer ${session.credential}`;
      return {
        type: 'produced',
        offsets: await this.produceRouter.produce(frame.topic, frame.records, { authorization }),
      };
    });
  }
}
