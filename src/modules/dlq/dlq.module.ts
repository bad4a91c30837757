import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { DlqController } from './dlq.controller';
import { DlqService } from './dlq.service';

/** Dead-letter topics: inspect, redrive, purge (share groups write the copies themselves). */
@Module({
  imports: [TopicsModule],
  controllers: [DlqController],
  providers: [DlqService],
  exports: [DlqService],
})
export class DlqModule {}
