import { Module } from '@nestjs/common';
import { DlqModule } from '../dlq/dlq.module';
import { TopicsModule } from '../topics/topics.module';
import { QueuesController } from './queues.controller';
import { QueuesGateway } from './queues.gateway';
import { QueuesService } from './queues.service';
import { RecordFetcher } from './record-fetcher';
import { ShareAckService } from './share-ack.service';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { LockExpiryScheduler } from './lock-expiry.scheduler';
import { ShareSettlement } from './share-settlement';

/** Share groups: queue semantics on the log (DESIGN §3). */
@Module({
  imports: [TopicsModule, DlqModule],
  controllers: [QueuesController],
  providers: [
    ShareGroupsService,
    ShareSettlement,
    LockExpiryScheduler,
    ShareDeliveryService,
    ShareAckService,
    QueuesService,
    RecordFetcher,
    QueuesGateway,
  ],
  exports: [ShareGroupsService, ShareDeliveryService],
})
export class QueuesModule {}
