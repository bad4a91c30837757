import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { parseWith } from '../../common/http/validation.guard';
import { FrameRouter } from '../../ws/frame-router';
import { RecordLogService } from './record-log.service';
import { produceSchema } from './topics.schemas';

const produceFrameSchema = produceSchema.extend({
  type: z.literal('produce'),
  requestId: z.unknown().optional(),
  topic: z.string(),
});

/** WebSocket frames of the topics module: `produce` → `produced` once durable. */
@Injectable()
export class TopicsGateway implements OnModuleInit {
  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(RecordLogService) private readonly recordLog: RecordLogService,
  ) {}

  onModuleInit(): void {
    this.router.register('produce', async (raw) => {
      const frame = parseWith(produceFrameSchema, raw, 'frame');
      return {
        type: 'produced',
        offsets: await this.recordLog.produce(frame.topic, frame.records),
      };
    });
  }
}
