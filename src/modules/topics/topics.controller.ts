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
    body: createTopicSchema,
    response: topicViewSchema,
    status: 201,
  })
  create(@Body() body: CreateTopicBody): TopicView {
    return this.topics.describe(this.topics.create(body.name, body.partitions, body.config));
  }

  @AnyToken()
  @Get()
  @Route({ summary: 'List topics', response: topicListSchema })
  list(): { topics: TopicView[] } {
    return { topics: this.topics.list().map((row) => this.topics.describe(row)) };
  }

  @Permit(Action.READ, topicParam())
  @Get(':topic')
  @Route({ summary: 'Describe a topic', params: topicParamsSchema, response: topicViewSchema })
  describe(@Param('topic') topic: string): TopicView {
    return this.topics.describe(this.topics.get(topic));
  }

  @Permit(Action.MANAGE, topicParam())
  @Patch(':topic')
  @Route({
    summary: 'Grow partitions or change config',
    params: topicParamsSchema,
    body: updateTopicSchema,
    response: topicViewSchema,
  })
  update(@Param('topic') topic: string, @Body() body: UpdateTopicBody): TopicView {
    return this.topics.describe(this.topics.update(topic, body));
  }

  @Permit(Action.MANAGE, topicParam())
  @Delete(':topic')
  @HttpCode(204)
  @Route({ summary: 'Delete a topic and its records', params: topicParamsSchema, status: 204 })
  remove(@Param('topic') topic: string): void {
    this.topics.delete(topic);
  }

  @Permit(Action.PRODUCE, topicParam())
  @Post(':topic/records')
  @HttpCode(200)
  @Route({
    summary: 'Produce records; answered once they are durable',
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
