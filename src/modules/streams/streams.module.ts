import { Module } from '@nestjs/common';
import { Database } from '../../persistence/database';
import { StreamOffsetStore } from '../../persistence/stream-offset.store';
import { TopicsModule } from '../topics/topics.module';
import { StreamConsumerService } from './stream-consumer.service';
import { StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
import { StreamRecordReader } from './stream-record-reader';
import { StreamsController } from './streams.controller';
import { StreamsGateway } from './streams.gateway';

/** Streaming consumer groups: ordered, offset-based consumption with rebalancing (DESIGN §2). */
@Module({
  imports: [TopicsModule],
  controllers: [StreamsController],
  providers: [
    {
      provide: StreamOffsetStore,
      inject: [Database],
      useFactory: (db: Database) => new StreamOffsetStore(db),
    },
    StreamGroupsService,
    StreamOffsetsService,
    StreamRecordReader,
    StreamConsumerService,
    StreamsGateway,
  ],
  exports: [StreamGroupsService, StreamOffsetsService],
})
export class StreamsModule {}
