import { Module } from '@nestjs/common';
import { DlqModule } from '../dlq/dlq.module';
import { TopicsModule } from '../topics/topics.module';
import { QueuesController } from './queues.controller';
import { QueuesGateway } from './queues.gateway';
import { QueuesService } from './queues.service';
import { ShareAckService } from './share-ack.service';
import { ShareAcquirer } from './share-acquirer';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { ShareKeyReader } from './share-key-reader';
import { ShareOwnership } from './share-ownership';
import { LockExpiryScheduler } from './lock-expiry.scheduler';
import { SharePartitionWriter } from './share-partition-writer';
import { ackRouterProvider, receiveRouterProvider, resetRouterProvider } from './share-routing';
import { ShareSettlement } from './share-settlement';

/** Share groups: queue semantics on the log (DESIGN §3). */
@Module({
  imports: [TopicsModule, DlqModule],
  controllers: [QueuesController],
  providers: [
    ShareGroupsService,
    ShareOwnership,
    ShareSettlement,
    SharePartitionWriter,
    LockExpiryScheduler,
    ShareKeyReader,
    ShareAcquirer,
    ShareDeliveryService,
    ShareAckService,
    receiveRouterProvider,
    ackRouterProvider,
    resetRouterProvider,
    QueuesService,
    QueuesGateway,
  ],
  exports: [ShareGroupsService, ShareDeliveryService],
})
export class QueuesModule {}
