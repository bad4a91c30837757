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
  Post,
  Put,
} from '@nestjs/common';
import { AckRouter, RoutedAckResult } from '../../cluster/ack-router';
import { FORWARDED_HEADER } from '../../cluster/peer-client';
import { ReceiveRouter } from '../../cluster/receive-router';
import { withRecords } from '../../common/record-wire';
import { Route } from '../../common/http/route-spec';
import {
  ackResultSchema,
  acksSchema,
  groupParamsSchema,
  putShareGroupSchema,
  receiveResultSchema,
  receiveSchema,
  resetSchema,
  shareGroupListSchema,
  shareGroupViewSchema,
} from './queues.schemas';
import type {
  AcksBody,
  PutShareGroupBody,
  ReceiveBody,
  ResetBody,
  ShareGroupList,
  ShareGroupView,
} from './queues.schemas';
import { QueuesService } from './queues.service';
import { ShareAckService } from './share-ack.service';
import type { AckResult } from './share-ack.service';
import { ShareDeliveryService } from './share-delivery.service';
import { Action } from '../../auth/permissions';
import { AnyToken, groupParam, Permit } from '../../auth/route-access';

@Controller('queues/groups')
export class QueuesController {
  constructor(
    @Inject(QueuesService) private readonly queues: QueuesService,
    @Inject(ShareDeliveryService) private readonly delivery: ShareDeliveryService,
    @Inject(ShareAckService) private readonly acks: ShareAckService,
    @Inject(ReceiveRouter) private readonly receiveRouter: ReceiveRouter,
    @Inject(AckRouter) private readonly ackRouter: AckRouter,
  ) {}

  @Permit(Action.MANAGE, groupParam())
  @Put(':group')
  @Route({
    summary: 'Create a share group or change its settings',
    params: groupParamsSchema,
    body: putShareGroupSchema,
    response: shareGroupViewSchema,
  })
  put(@Param('group') group: string, @Body() body: PutShareGroupBody): Promise<ShareGroupView> {
    return this.queues.put(group, body);
  }

  @Permit(Action.CONSUME, groupParam(), { readTopics: 'topics' })
  @Post(':group/receive')
  @HttpCode(200)
  @Route({
    summary: 'Acquire records with a lock, long-polling up to waitMs',
    params: groupParamsSchema,
    body: receiveSchema,
    response: receiveResultSchema,
  })
  @Header('content-type', 'application/json; charset=utf-8')
  async receive(
    @Param('group') group: string,
    @Body() body: ReceiveBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<Buffer> {
    // A receive forwarded by another node acquires from what this node owns, nothing more.
    const delivery =
      forwardedBy !== undefined
        ? await this.delivery.receive(group, body)
        : await this.receiveRouter.receive(group, body, { authorization });
    return withRecords({ memberId: delivery.memberId }, delivery.records);
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/acks')
  @HttpCode(200)
  @Route({
    summary: 'Accept, release, reject or renew records, answered per item',
    params: groupParamsSchema,
    body: acksSchema,
    response: ackResultSchema,
  })
  async acknowledge(
    @Param('group') group: string,
    @Body() body: AcksBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<{ results: Array<AckResult | RoutedAckResult> }> {
    if (forwardedBy !== undefined) {
      return { results: await this.acks.acknowledge(group, body.acks) };
    }
    return { results: await this.ackRouter.acknowledge(group, body.acks, { authorization }) };
  }

  @AnyToken()
  @Get()
  @Route({
    summary: 'List share groups with their lag and record counts',
    response: shareGroupListSchema,
  })
  list(): Promise<ShareGroupList> {
    return this.queues.list();
  }

  @Permit(Action.CONSUME, groupParam())
  @Get(':group')
  @Route({
    summary: 'Describe a share group: states, lag, oldest available age',
    params: groupParamsSchema,
    response: shareGroupViewSchema,
  })
  describe(@Param('group') group: string): Promise<ShareGroupView> {
    return this.queues.describeByName(group);
  }

  @Permit(Action.MANAGE, groupParam())
  @Post(':group/reset')
  @HttpCode(200)
  @Route({
    summary: 'Move a share group to earliest, latest, an offset or a timestamp',
    params: groupParamsSchema,
    body: resetSchema,
    response: shareGroupViewSchema,
  })
  reset(@Param('group') group: string, @Body() body: ResetBody): Promise<ShareGroupView> {
    return this.queues.reset(group, body);
  }

  @Permit(Action.MANAGE, groupParam())
  @Delete(':group')
  @HttpCode(204)
  @Route({ summary: 'Delete a share group and its state', params: groupParamsSchema, status: 204 })
  remove(@Param('group') group: string): Promise<void> {
    return this.queues.delete(group);
  }
}
