import { ConsumerGroup } from '../../src/modules/streams/domain/consumer-group';
import { MemberKind, MemberSettings } from '../../src/modules/streams/domain/group-member';
import { GroupPartition } from '../../src/modules/streams/domain/group-partition';

/** Session timeout of the fixture members. */
export const SESSION_MS = 10_000;

/** Partitions 0..count-1 of `topic`. */
export const partitionsOf = (topic: string, count: number, topicId = 1): GroupPartition[] =>
  Array.from({ length: count }, (_x, partition) => ({ topicId, topic, partition }));

/** A polling member of topic `t` with auto-commit, unless overridden. */
export const memberSettings = (overrides: Partial<MemberSettings> = {}): MemberSettings => ({
  kind: MemberKind.POLLING,
  topics: ['t'],
  sessionTimeoutMs: SESSION_MS,
  autoOffsetReset: 'latest',
  autoCommit: true,
  ...overrides,
});

/** Members a, b and c on six partitions of `t`, two each after every one polled again. */
export function threeMembersSettled(): ConsumerGroup {
  const six = partitionsOf('t', 6);
  const group = new ConsumerGroup('g');
  for (const id of ['a', 'b', 'c']) group.join(id, memberSettings(), 0, six);
  for (const id of ['a', 'b', 'c']) group.polled(id, 0);
  return group;
}
