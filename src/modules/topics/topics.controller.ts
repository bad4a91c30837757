import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route-spec';
import { FORWARDED_HEADER } from '../../cluster/peer-client';
import { ProduceRouter } from '../../cluster/produce-router';
import { ReadRouter } from '../../cluster/read-router';
import { RecordLogService } from './record-log.service';
import type { RecordPosition } from './record-log.service';
import type {
  CreateTopicBody,
  ProduceBody,
  ReadQuery,
  TopicView,
  UpdateTopicBody,
} from './topics.schemas';
import {
  createTopicSchema,
  partitionParamsSchema,
  produceResultSchema,
  produceSchema,
  readQuerySchema,
  readResultSchema,
  topicListSchema,
  topicParamsSchema,
  topicViewSchema,
  updateTopicSchema,
} from './topics.schemas';
import { TopicsService } from './topics.service';
import { Action } from '../../auth/permissions';
import { AnyToken, Permit, topicInBody, topicParam } from '../../auth/route-access';

@Controller('topics')
export class TopicsController {
  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(RecordLogService) private readonly recordLog: RecordLogService,
    @Inject(ProduceRouter) private readonly produceRouter: ProduceRouter,
    @Inject(ReadRouter) private readonly readRouter: ReadRouter,
  ) {}

  @Permit(Action.MANAGE, topicInBody('name'))
  @Post()
  @HttpCode(201)
  @Route({
    summary: 'Create a topic',
    description:
      'Creates a topic with its partitions (default WEIR_DEFAULT_PARTITIONS) and settings (defaults: retentionMs 7 days, retentionBytes -1, maxMessageBytes 1 MiB). Names match `^[A-Za-z0-9._-]{1,249}$`.',
    errors: [
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.INVALID_PARTITION_COUNT,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.TOPIC_ALREADY_EXISTS,
    ],
    body: createTopicSchema,
    response: topicViewSchema,
    status: 201,
  })
  async create(@Body() body: CreateTopicBody): Promise<TopicView> {
    return this.topics.describe(await this.topics.create(body.name, body.partitions, body.config));
  }

  @AnyToken()
  @Get()
  @Route({
    summary: 'List topics',
    description:
      'Every topic with its settings and, per partition, the log start and end offsets, record count and bytes.',
    response: topicListSchema,
  })
  list(): { topics: TopicView[] } {
    return { topics: this.topics.list().map((row) => this.topics.describe(row)) };
  }

  @Permit(Action.READ, topicParam())
  @Get(':topic')
  @Route({
    summary: 'Describe a topic',
    description:
      "The topic's settings and, per partition, the log start offset (first record kept), the log end offset (the next one to be written), record count and bytes.",
    errors: [ErrorCode.TOPIC_NOT_FOUND],
    params: topicParamsSchema,
    response: topicViewSchema,
  })
  describe(@Param('topic') topic: string): TopicView {
    return this.topics.describe(this.topics.get(topic));
  }

  @Permit(Action.MANAGE, topicParam())
  @Patch(':topic')
  @Route({
    summary: 'Grow partitions or change config',
    description:
      'Grows the topic to more partitions (never fewer) and changes the settings named; settings not named keep their values. Retention applies on its next run.',
    errors: [
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.INVALID_PARTITION_COUNT,
      ErrorCode.INVALID_CONFIG,
    ],
    params: topicParamsSchema,
    body: updateTopicSchema,
    response: topicViewSchema,
  })
  async update(@Param('topic') topic: string, @Body() body: UpdateTopicBody): Promise<TopicView> {
    return this.topics.describe(await this.topics.update(topic, body));
  }

  @Permit(Action.MANAGE, topicParam())
  @Delete(':topic')
  @HttpCode(204)
  @Route({
    summary: 'Delete a topic and its records',
    description:
      "Deletes the topic, its records, and every share group's and streaming group's state for it.",
    errors: [ErrorCode.TOPIC_NOT_FOUND],
    params: topicParamsSchema,
    status: 204,
  })
  remove(@Param('topic') topic: string): Promise<void> {
    return this.topics.delete(topic);
  }

  @Permit(Action.PRODUCE, topicParam())
  @Post(':topic/records')
  @HttpCode(200)
  @Route({
    summary: 'Produce records; answered once they are durable',
    description:
      "Appends the records and answers with each one's partition and offset, in request order, once they are committed. An explicit partition wins; a key picks its partition by Kafka's murmur2 hash; unkeyed records of one request go to one partition (sticky round-robin). All or nothing: a record that is too large or names an unknown partition fails the request before anything is written (`details.index`). A missing topic is created when WEIR_AUTO_CREATE_TOPICS is on.",
    errors: [
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.RECORD_TOO_LARGE,
      ErrorCode.BATCH_TOO_LARGE,
    ],
    params: topicParamsSchema,
    body: produceSchema,
    response: produceResultSchema,
  })
  async produce(
    @Param('topic') topic: string,
    @Body() body: ProduceBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<{ offsets: RecordPosition[] }> {
    // A part forwarded by another node is appended here or refused, never forwarded again.
    if (forwardedBy !== undefined) {
      return { offsets: await this.recordLog.produce(topic, body.records) };
    }
    return { offsets: await this.produceRouter.produce(topic, body.records, { authorization }) };
  }

  @Permit(Action.READ, topicParam())
  @Get(':topic/partitions/:partition/records')
  @Route({
    summary: 'Read a partition from an offset, optionally long-polling',
    description:
      'Reads records from `offset` (default: the log start) in offset order. At the log end, waits up to `waitMs` for a record and answers as soon as one is committed. An offset below the log start or above the log end is OFFSET_OUT_OF_RANGE.',
    errors: [
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.OFFSET_OUT_OF_RANGE,
    ],
    params: partitionParamsSchema,
    query: readQuerySchema,
    response: readResultSchema,
  })
  @Header('content-type', 'application/json; charset=utf-8')
  read(
    @Param() params: { topic: string; partition: number },
    @Query() query: ReadQuery,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<Buffer> {
    const { topic, partition } = params;
    const { offset, maxRecords, waitMs } = query;
    if (forwardedBy !== undefined || !this.readRouter.clustered) {
      return this.recordLog.readServed(topic, partition, offset, maxRecords, waitMs);
    }
    const topicId = this.topics.get(topic).id;
    return this.readRouter.read(
      { topic, topicId, partition, offset, maxRecords, waitMs },
      { authorization },
    );
  }
}
