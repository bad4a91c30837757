import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { StreamConsumerService } from './stream-consumer.service';
import { StreamGroupRouting } from './stream-group-routing';
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
    StreamGroupsService,
    StreamOffsetsService,
    StreamRecordReader,
    StreamConsumerService,
    StreamsGateway,
    StreamGroupRouting,
  ],
  exports: [StreamGroupsService, StreamOffsetsService],
})
export class StreamsModule {}
