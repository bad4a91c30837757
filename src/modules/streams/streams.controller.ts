import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
} from '@nestjs/common';
import { Route } from '../../common/http/route-spec';
import { MemberKind } from './domain/group-member';
import { StreamConsumerService } from './stream-consumer.service';
import { withRecords } from '../../common/record-wire';
import { StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
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

@Controller('streams/groups')
export class StreamsController {
  constructor(
    @Inject(StreamGroupsService) private readonly groups: StreamGroupsService,
    @Inject(StreamOffsetsService) private readonly offsets: StreamOffsetsService,
    @Inject(StreamConsumerService) private readonly consumer: StreamConsumerService,
  ) {}

  @Permit(Action.CONSUME, groupParam(), { readTopics: 'topics' })
  @Post(':group/members')
  @HttpCode(201)
  @Route({
    summary: 'Join a streaming consumer group (or join again under a memberId)',
    params: groupParamsSchema,
    body: joinSchema,
    response: joinAnswerSchema,
    status: 201,
  })
  join(@Param('group') group: string, @Body() body: JoinBody): Promise<JoinAnswer> {
    return this.groups.join(group, body, MemberKind.POLLING);
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/members/:memberId/poll')
  @HttpCode(200)
  @Route({
    summary: "Poll the member's partitions, long-polling up to waitMs; auto-commits the last poll",
    params: memberParamsSchema,
    body: pollSchema,
    response: pollAnswerSchema,
  })
  @Header('content-type', 'application/json; charset=utf-8')
  async poll(@Param() params: MemberParams, @Body() body: PollBody): Promise<Buffer> {
    const { records, ...assignment } = await this.consumer.poll(
      params.group,
      params.memberId,
      body.maxRecords,
      body.waitMs,
      body.paused ?? [],
    );
    return withRecords(assignment, records.json);
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/members/:memberId/heartbeat')
  @HttpCode(200)
  @Route({
    summary:
      "Keep the member's session alive and learn its assignment; hands over revoked partitions `owned` no longer names",
    params: memberParamsSchema,
    body: heartbeatSchema,
    response: assignmentAnswerSchema,
  })
  heartbeat(@Param() params: MemberParams, @Body() body: HeartbeatBody): AssignmentAnswer {
    return this.groups.heartbeat(params.group, params.memberId, body.owned);
  }

  @Permit(Action.CONSUME, groupParam())
  @Delete(':group/members/:memberId')
  @HttpCode(204)
  @Route({
    summary: 'Leave the group; its partitions are reassigned at once',
    params: memberParamsSchema,
    status: 204,
  })
  leave(@Param() params: MemberParams): Promise<void> {
    return this.consumer.leave(params.group, params.memberId);
  }

  @Permit(Action.CONSUME, groupParam())
  @Post(':group/offsets')
  @HttpCode(200)
  @Route({
    summary: 'Commit offsets (each the next offset to read), fenced by generation and ownership',
    params: groupParamsSchema,
    body: commitSchema,
    response: commitAnswerSchema,
  })
  async commit(
    @Param('group') group: string,
    @Body() body: CommitBody,
  ): Promise<{ offsets: OffsetBody[] }> {
    return {
      offsets: await this.offsets.commit(group, body.memberId, body.generation, body.offsets),
    };
  }

  @Permit(Action.MANAGE, groupParam())
  @Post(':group/offsets/reset')
  @HttpCode(200)
  @Route({
    summary: "Set the group's committed offsets of a topic; live members move on their next poll",
    params: groupParamsSchema,
    body: resetSchema,
    response: groupViewSchema,
  })
  reset(@Param('group') group: string, @Body() body: ResetBody): Promise<GroupView> {
    return this.offsets.reset(group, body);
  }

  @AnyToken()
  @Get()
  @Route({
    summary: 'List the streaming consumer groups with their members, topics and total lag',
    response: groupListSchema,
  })
  list(): GroupList {
    return this.offsets.list();
  }

  @Permit(Action.MANAGE, groupParam())
  @Delete(':group')
  @HttpCode(204)
  @Route({
    summary: 'Delete a group without members and its committed offsets',
    params: groupParamsSchema,
    status: 204,
  })
  delete(@Param('group') group: string): Promise<void> {
    return this.offsets.deleteGroup(group);
  }

  @Permit(Action.CONSUME, groupParam())
  @Get(':group')
  @Route({
    summary: 'Describe a group: members, assignment, committed offsets and lag',
    params: groupParamsSchema,
    response: groupViewSchema,
  })
  describe(@Param('group') group: string): GroupView {
    return this.offsets.describe(group);
  }
}
