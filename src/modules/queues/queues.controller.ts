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
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AckRouter, RoutedAckResult } from '../../cluster/ack-router';
import { FORWARDED_HEADER } from '../../cluster/peer-client';
import { ReceiveRouter } from '../../cluster/receive-router';
import { withRecords } from '../../common/record-wire';
import { ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route-spec';
import {
  ackResultSchema,
  acksSchema,
  documentedAcksSchema,
  groupParamsSchema,
  memberParamsSchema,
  putShareGroupSchema,
  receiveResultSchema,
  receiveSchema,
  releaseMemberSchema,
  resetSchema,
  shareGroupListSchema,
  shareGroupViewSchema,
} from './queues.schemas';
import type {
  AcksBody,
  PutShareGroupBody,
  ReceiveBody,
  ReleaseMemberBody,
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
    description:
      'Creates the share group, or changes the settings given (the others keep their values). startFrom applies to the partitions that exist when the group is created or a topic is added to it. A group re-created after a delete starts afresh.',
    errors: [
      ErrorCode.INVALID_GROUP_NAME,
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.TOPIC_NOT_FOUND,
    ],
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
    description:
      "Acquires up to maxRecords available records across the group's topics (or the topics named), each locked to this member until lockExpiresAtMs and carrying its deliveryCount and a receipt. Each receive starts at the next partition in turn. Waits up to waitMs when none is available, answering as soon as one becomes deliverable. An unknown group is created with defaults when topics are named, else GROUP_NOT_FOUND.",
    errors: [
      ErrorCode.GROUP_NOT_FOUND,
      ErrorCode.INVALID_GROUP_NAME,
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.INVALID_LOCK_DURATION,
    ],
    params: groupParamsSchema,
    body: receiveSchema,
    response: receiveResultSchema,
  })
  @Header('content-type', 'application/json; charset=utf-8')
  async receive(
    @Param('group') group: string,
    @Body() body: ReceiveBody,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<Buffer> {
    // A receive forwarded by another node acquires from what this node owns, nothing more;
    // it ends when that node stops waiting (its connection closes before the answer).
    if (forwardedBy !== undefined) {
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const delivery = await this.delivery.receiveForwarded(group, body, gone.signal);
      return withRecords({ memberId: delivery.memberId }, delivery.records);
    }
    const delivery = await this.receiveRouter.receive(group, body, { authorization });
    return withRecords({ memberId: delivery.memberId }, delivery.records);
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/members/:memberId/release')
  @HttpCode(204)
  @Route({
    summary: 'End every delivery a member holds: its records are available again at once',
    description:
      "Ends the attempts of every record the member holds, on every node, as a WebSocket worker's close does: the records are available again at once, their deliveryCount kept (a record on its last allowed delivery is dead-lettered, DELIVERY_COUNT_EXCEEDED). For an HTTP worker that stops, instead of waiting for its locks to expire.",
    errors: [ErrorCode.GROUP_NOT_FOUND],
    params: memberParamsSchema,
    body: releaseMemberSchema,
    status: 204,
  })
  async releaseMember(
    @Param('group') group: string,
    @Param('memberId') memberId: string,
    @Body() body: ReleaseMemberBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<void> {
    // Another node gives back what it holds here for its WebSocket worker.
    if (forwardedBy !== undefined) {
      return this.delivery.releaseHere(group, memberId, body.unsent ?? []);
    }
    await this.delivery.releaseHere(group, memberId, []);
    const owners = this.receiveRouter.clustered ? this.receiveRouter.remoteOwners(group, {}) : [];
    await Promise.all(
      owners.map((owner) =>
        this.receiveRouter.releaseAt(owner.url, group, memberId, undefined, { authorization }),
      ),
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/acks')
  @HttpCode(200)
  @Route({
    summary: 'Accept, release, reject or renew records, answered per item',
    description:
      'Answers deliveries by their receipts. Each item gets its own result: an item that fails (LOCK_LOST: an old receipt or an expired lock; INVALID_RECEIPT: not a receipt of this group; MAX_LOCK_EXCEEDED: a renew past maxLockMs; INVALID_REQUEST: a malformed item) changes nothing and never fails the others. A release or an expired lock on the last allowed delivery dead-letters the record (DELIVERY_COUNT_EXCEEDED).',
    errors: [ErrorCode.GROUP_NOT_FOUND, ErrorCode.BATCH_TOO_LARGE],
    params: groupParamsSchema,
    body: acksSchema,
    documentedBody: documentedAcksSchema,
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
    description:
      'Every share group with its topics, and over all its partitions: records not finished (lag), acquired, available, and the age of the oldest available record.',
    response: shareGroupListSchema,
  })
  list(): Promise<ShareGroupList> {
    return this.queues.list();
  }

  @Permit(Action.CONSUME, groupParam())
  @Get(':group')
  @Route({
    summary: 'Describe a share group: states, lag, oldest available age',
    description:
      "The group's settings and, per share partition, its start offset, window end, records by state, lag and the age of the oldest available record.",
    errors: [ErrorCode.GROUP_NOT_FOUND],
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
    description:
      "Moves the group's share partitions of one topic (or all; `partitions` of it) to a new start; works on a live group: in-flight deliveries are forgotten and their receipts answer LOCK_LOST, and waiting receivers are woken. An offset outside the log is moved to the nearer end. In a cluster each partition's owner resets it.",
    errors: [
      ErrorCode.GROUP_NOT_FOUND,
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.NOT_PARTITION_OWNER,
    ],
    params: groupParamsSchema,
    body: resetSchema,
    response: shareGroupViewSchema,
  })
  reset(
    @Param('group') group: string,
    @Body() body: ResetBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<ShareGroupView> {
    // A reset forwarded by another node resets what this node serves, nothing more.
    return this.queues.reset(group, body, { authorization, forwarded: forwardedBy !== undefined });
  }

  @Permit(Action.MANAGE, groupParam())
  @Delete(':group')
  @HttpCode(204)
  @Route({
    summary: 'Delete a share group and its state',
    description:
      'Deletes the group at once: long-polling receives answer with no records, WebSocket subscriptions end with GROUP_NOT_FOUND, and its receipts answer LOCK_LOST. Only a PUT, or a receive or subscribe naming topics, creates it again.',
    errors: [ErrorCode.GROUP_NOT_FOUND],
    params: groupParamsSchema,
    status: 204,
  })
  remove(@Param('group') group: string): Promise<void> {
    return this.queues.delete(group);
  }
}
