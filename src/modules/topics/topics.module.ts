import { Module } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { LogWaiters } from './log-waiters';
import { TopicCatalogueSync } from './topic-catalogue-sync';
import { produceRouterProvider, readRouterProvider } from './topic-routing';
import { RecordLogService } from './record-log.service';
import { RetentionService } from './retention.service';
import { TopicsController } from './topics.controller';
import { TopicsGateway } from './topics.gateway';
import { TopicsService } from './topics.service';

@Module({
  controllers: [TopicsController],
  providers: [
    { provide: LogWaiters, inject: [Clock], useFactory: (clock: Clock) => new LogWaiters(clock) },
    TopicsService,
    RecordLogService,
    produceRouterProvider,
    readRouterProvider,
    TopicCatalogueSync,
    RetentionService,
    TopicsGateway,
  ],
  exports: [TopicsService, RecordLogService, RetentionService, LogWaiters],
})
export class TopicsModule {}
