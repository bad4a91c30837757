import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { Route } from '../../common/http/route-spec';
import type { PartitionPage } from '../topics/record-log.service';
import {
  dlqBrowseQuerySchema,
  dlqListSchema,
  dlqRecordsSchema,
  dlqTopicParamsSchema,
  purgeResultSchema,
  purgeSchema,
  redriveResultSchema,
  redriveSchema,
} from './dlq.schemas';
import type { DlqBrowseQuery, DlqList, PurgeBody, RedriveBody } from './dlq.schemas';
import { DlqService } from './dlq.service';
import { Action } from '../../auth/permissions';
import { AnyToken, Permit, topicInBody, topicParam } from '../../auth/route-access';

@Controller('dlq')
export class DlqController {
  constructor(@Inject(DlqService) private readonly dlq: DlqService) {}

  @AnyToken()
  @Get()
  @Route({
    summary: 'List dead-letter topics with counts, oldest age and reasons',
    response: dlqListSchema,
  })
  list(): Promise<DlqList> {
    return this.dlq.list();
  }

  @Permit(Action.READ, topicParam())
  @Get(':topic/records')
  @Route({
    summary: 'Browse a dead-letter topic, lineage headers included',
    params: dlqTopicParamsSchema,
    query: dlqBrowseQuerySchema,
    response: dlqRecordsSchema,
  })
  browse(@Param('topic') topic: string, @Query() query: DlqBrowseQuery): Promise<PartitionPage> {
    return this.dlq.browse(topic, query.partition, query.offset, query.maxRecords);
  }

  @Permit(Action.MANAGE, topicParam(), {
    alsoRequire: [{ action: Action.PRODUCE, resource: topicInBody('targetTopic') }],
  })
  @Post(':topic/redrive')
  @HttpCode(200)
  @Route({
    summary: 'Append dead-letter records back to their source (each at most once)',
    params: dlqTopicParamsSchema,
    body: redriveSchema,
    response: redriveResultSchema,
  })
  redrive(
    @Param('topic') topic: string,
    @Body() body: RedriveBody,
  ): Promise<{ redriven: number; skipped: number }> {
    return this.dlq.redrive(topic, body);
  }

  @Permit(Action.MANAGE, topicParam())
  @Post(':topic/purge')
  @HttpCode(200)
  @Route({
    summary: 'Delete dead-letter records below an offset',
    params: dlqTopicParamsSchema,
    body: purgeSchema,
    response: purgeResultSchema,
  })
  purge(@Param('topic') topic: string, @Body() body: PurgeBody): Promise<{ purged: number }> {
    return this.dlq.purge(topic, body);
  }
}
