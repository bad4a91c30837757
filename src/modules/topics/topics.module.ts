import { Module } from '@nestjs/common';
import { RecordLogService } from './record-log.service';
import { RetentionService } from './retention.service';
import { TopicsController } from './topics.controller';
import { TopicsGateway } from './topics.gateway';
import { TopicsService } from './topics.service';

@Module({
  controllers: [TopicsController],
  providers: [TopicsService, RecordLogService, RetentionService, TopicsGateway],
  exports: [TopicsService, RecordLogService, RetentionService],
})
export class TopicsModule {}
