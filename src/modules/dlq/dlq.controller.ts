import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ErrorCode } from '../../common/errors';
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
    description:
      'Every topic a share group has dead-lettered into, with its records, the age of the oldest, and counts by reason.',
    response: dlqListSchema,
  })
  list(): Promise<DlqList> {
    return this.dlq.list();
  }

  @Permit(Action.READ, topicParam())
  @Get(':topic/records')
  @Route({
    summary: 'Browse a dead-letter topic, lineage headers included',
    description:
      "Reads a dead-letter topic's records in offset order, each with its lineage headers: weir-dlq-source-topic, -source-partition, -source-offset, -source-timestamp, -group, -delivery-count, -reason, -error, -dead-lettered-at.",
    errors: [
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.OFFSET_OUT_OF_RANGE,
    ],
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
    description:
      'Appends the chosen dead-letter records (an offset range in every partition, and/or one reason) to their source topic and partition, or to targetTopic, with their key, value and original headers plus weir-redrive-of. Each record is appended at most once, whatever the number of calls: records redriven before count as skipped.',
    errors: [
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.RECORD_TOO_LARGE,
    ],
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
    description:
      'Deletes the dead-letter records below beforeOffset in every partition of the dead-letter topic (its log start moves) and answers how many.',
    errors: [ErrorCode.TOPIC_NOT_FOUND],
    params: dlqTopicParamsSchema,
    body: purgeSchema,
    response: purgeResultSchema,
  })
  purge(@Param('topic') topic: string, @Body() body: PurgeBody): Promise<{ purged: number }> {
    return this.dlq.purge(topic, body);
  }
}
