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
} from '@nestjs/common';
import { ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route-spec';
import { MemberKind } from './domain/group-member';
import { StreamConsumerService } from './stream-consumer.service';
import { withRecords } from '../../common/record-wire';
import { StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
import { FORWARDED_HEADER, StreamGroupRouting } from './stream-group-routing';
import {
  assignmentAnswerSchema,
  commitAnswerSchema,
  commitSchema,
  groupListSchema,
  groupParamsSchema,
  groupViewSchema,
  heartbeatSchema,
  joinAnswerSchema,
  joinSchema,
  memberParamsSchema,
  pollAnswerSchema,
  pollSchema,
  resetSchema,
} from './streams.schemas';
import type {
  AssignmentAnswer,
  CommitBody,
  GroupList,
  GroupView,
  HeartbeatBody,
  JoinAnswer,
  JoinBody,
  OffsetBody,
  PollBody,
  ResetBody,
} from './streams.schemas';
import { Action } from '../../auth/permissions';
import { AnyToken, groupParam, Permit } from '../../auth/route-access';

interface MemberParams {
  group: string;
  memberId: string;
}

const groupPath = (group: string): string => `/streams/groups/${encodeURIComponent(group)}`;
const memberPath = (p: MemberParams): string =>
  `${groupPath(p.group)}/members/${encodeURIComponent(p.memberId)}`;

@Controller('streams/groups')
export class StreamsController {
  constructor(
    @Inject(StreamGroupsService) private readonly groups: StreamGroupsService,
    @Inject(StreamOffsetsService) private readonly offsets: StreamOffsetsService,
    @Inject(StreamConsumerService) private readonly consumer: StreamConsumerService,
    @Inject(StreamGroupRouting) private readonly routing: StreamGroupRouting,
  ) {}

  @Permit(Action.CONSUME, groupParam(), { readTopics: 'topics' })
  @Post(':group/members')
  @HttpCode(201)
  @Route({
    summary: 'Join a streaming consumer group (or join again under a memberId)',
    description:
      "Adds a member subscribed to the topics and rebalances: each partition goes to at most one member, sticky. Answers the member id, the new generation and this member's assignment. Joining again under a memberId keeps its partitions.",
    errors: [
      ErrorCode.INVALID_GROUP_NAME,
      ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.INVALID_SESSION_TIMEOUT,
      ErrorCode.TOO_MANY_MEMBERS,
    ],
    params: groupParamsSchema,
    body: joinSchema,
    response: joinAnswerSchema,
    status: 201,
  })
  join(
    @Param('group') group: string,
    @Body() body: JoinBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<JoinAnswer> {
    return this.routing.run(
      group,
      { authorization, forwardedBy },
      () => this.groups.join(group, body, MemberKind.POLLING),
      { method: 'POST', path: `${groupPath(group)}/members`, body },
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/members/:memberId/poll')
  @HttpCode(200)
  @Route({
    summary: "Poll the member's partitions, long-polling up to waitMs; auto-commits the last poll",
    description:
      "Commits what the previous poll returned (with autoCommit), hands over revoked partitions, then reads the member's partitions in offset order, waiting up to waitMs for records. Answers early when a rebalance changes the member's assignment. Keeps the member alive.",
    errors: [ErrorCode.GROUP_NOT_FOUND, ErrorCode.MEMBER_NOT_FOUND],
    params: memberParamsSchema,
    body: pollSchema,
    response: pollAnswerSchema,
  })
  @Header('content-type', 'application/json; charset=utf-8')
  poll(
    @Param() params: MemberParams,
    @Body() body: PollBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<Buffer> {
    return this.routing.run(
      params.group,
      { authorization, forwardedBy },
      async () => {
        const { records, ...assignment } = await this.consumer.poll(
          params.group,
          params.memberId,
          body.maxRecords,
          body.waitMs,
          body.paused ?? [],
        );
        return withRecords(assignment, records.json);
      },
      { method: 'POST', path: `${memberPath(params)}/poll`, body, waitMs: body.waitMs, raw: true },
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/members/:memberId/heartbeat')
  @HttpCode(200)
  @Route({
    summary:
      "Keep the member's session alive and learn its assignment; hands over revoked partitions `owned` no longer names",
    description:
      'Keeps the member alive and answers its generation and assignment. With `owned`, a revoked partition the list no longer names is handed over; without it nothing is handed over (a member still processing a batch heartbeats with the partitions it reads).',
    errors: [ErrorCode.GROUP_NOT_FOUND, ErrorCode.MEMBER_NOT_FOUND],
    params: memberParamsSchema,
    body: heartbeatSchema,
    response: assignmentAnswerSchema,
  })
  heartbeat(
    @Param() params: MemberParams,
    @Body() body: HeartbeatBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<AssignmentAnswer> {
    return this.routing.run(
      params.group,
      { authorization, forwardedBy },
      () => this.groups.heartbeat(params.group, params.memberId, body.owned),
      { method: 'POST', path: `${memberPath(params)}/heartbeat`, body },
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Delete(':group/members/:memberId')
  @HttpCode(204)
  @Route({
    summary: 'Leave the group; its partitions are reassigned at once',
    description:
      "Commits what the member's last poll returned (with autoCommit), removes the member and rebalances at once, like Kafka's close().",
    errors: [ErrorCode.GROUP_NOT_FOUND, ErrorCode.MEMBER_NOT_FOUND],
    params: memberParamsSchema,
    status: 204,
  })
  leave(
    @Param() params: MemberParams,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<void> {
    return this.routing.run(
      params.group,
      { authorization, forwardedBy },
      () => this.consumer.leave(params.group, params.memberId),
      { method: 'DELETE', path: memberPath(params) },
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/offsets')
  @HttpCode(200)
  @Route({
    summary: 'Commit offsets (each the next offset to read), fenced by generation and ownership',
    description:
      'Commits offsets for the member, all or nothing. Fenced per member: refused only when the member no longer owns a partition (NOT_PARTITION_OWNER), lost it and got it back since that generation, or names a generation the group has not reached (STALE_GENERATION). A rebalance that takes nothing from the member never fails its commits.',
    errors: [
      ErrorCode.GROUP_NOT_FOUND,
      ErrorCode.MEMBER_NOT_FOUND,
      ErrorCode.STALE_GENERATION,
      ErrorCode.NOT_PARTITION_OWNER,
      ErrorCode.OFFSET_OUT_OF_RANGE,
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.PARTITION_NOT_FOUND,
    ],
    params: groupParamsSchema,
    body: commitSchema,
    response: commitAnswerSchema,
  })
  commit(
    @Param('group') group: string,
    @Body() body: CommitBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<{ offsets: OffsetBody[] }> {
    return this.routing.run(
      group,
      { authorization, forwardedBy },
      async () => ({
        offsets: await this.offsets.commit(group, body.memberId, body.generation, body.offsets),
      }),
      { method: 'POST', path: `${groupPath(group)}/offsets`, body },
    );
  }

  @Permit(Action.MANAGE, groupParam())
  @Post(':group/offsets/reset')
  @HttpCode(200)
  @Route({
    summary: "Set the group's committed offsets of a topic; live members move on their next poll",
    description:
      "Sets the committed offsets of a topic's partitions (all by default) to the log start, the log end, an offset, or the first record at or after a timestamp. Works on a live group and on a group without members (it is created).",
    errors: [
      ErrorCode.INVALID_GROUP_NAME,
      ErrorCode.TOPIC_NOT_FOUND,
      ErrorCode.PARTITION_NOT_FOUND,
      ErrorCode.OFFSET_OUT_OF_RANGE,
    ],
    params: groupParamsSchema,
    body: resetSchema,
    response: groupViewSchema,
  })
  reset(
    @Param('group') group: string,
    @Body() body: ResetBody,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<GroupView> {
    return this.routing.run(
      group,
      { authorization, forwardedBy },
      () => this.offsets.reset(group, body),
      { method: 'POST', path: `${groupPath(group)}/offsets/reset`, body },
    );
  }

  @AnyToken()
  @Get()
  @Route({
    summary: 'List the streaming consumer groups with their members, topics and total lag',
    description:
      'Every streaming consumer group: generation, number of members, topics, and the lag summed over partitions with a committed offset.',
    response: groupListSchema,
  })
  list(
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<GroupList> {
    return this.routing.list({ authorization, forwardedBy }, () => this.offsets.list());
  }

  @Permit(Action.MANAGE, groupParam())
  @Delete(':group')
  @HttpCode(204)
  @Route({
    summary: 'Delete a group without members and its committed offsets',
    description:
      "Deletes the group's committed offsets. Refused while it has members (GROUP_NOT_EMPTY); a group with neither members nor offsets is GROUP_NOT_FOUND.",
    errors: [ErrorCode.GROUP_NOT_FOUND, ErrorCode.GROUP_NOT_EMPTY],
    params: groupParamsSchema,
    status: 204,
  })
  delete(
    @Param('group') group: string,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<void> {
    return this.routing.run(
      group,
      { authorization, forwardedBy },
      () => this.offsets.deleteGroup(group),
      { method: 'DELETE', path: groupPath(group) },
    );
  }

  @Permit(Action.CONSUME, groupParam())
  @Get(':group')
  @Route({
    summary: 'Describe a group: members, assignment, committed offsets and lag',
    description:
      'The generation, every member with its partitions, and per partition the committed offset, the log end, the lag and the owning member.',
    errors: [ErrorCode.GROUP_NOT_FOUND],
    params: groupParamsSchema,
    response: groupViewSchema,
  })
  describe(
    @Param('group') group: string,
    @Headers('authorization') authorization?: string,
    @Headers(FORWARDED_HEADER) forwardedBy?: string,
  ): Promise<GroupView> {
    return this.routing.run(
      group,
      { authorization, forwardedBy },
      () => this.offsets.describe(group),
      { method: 'GET', path: groupPath(group) },
    );
  }
}
