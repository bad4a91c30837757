import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { DeadLetterService } from './dead-letter.service';
import { DlqController } from './dlq.controller';
import { DlqService } from './dlq.service';

/** Dead-letter topics: the atomic copy used by share groups, and inspect, redrive, purge. */
@Module({
  imports: [TopicsModule],
  controllers: [DlqController],
  providers: [DeadLetterService, DlqService],
  exports: [DeadLetterService],
})
export class DlqModule {}
