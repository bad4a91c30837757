import { ConsumerGroup } from './consumer-group';
import {
  AssignedPartition,
  GroupPartition,
  groupPartitionKey,
  toAssignment,
} from './group-partition';

export type CommitRefusal = 'MEMBER_NOT_FOUND' | 'STALE_GENERATION' | 'NOT_PARTITION_OWNER';

/** Whether a commit may be written; a refusal names why and, for ownership, which partitions. */
export type CommitVerdict =
  | { ok: true }
  | { ok: false; code: CommitRefusal; message: string; partitions?: AssignedPartition[] };

/**
 * The fence on commits: only a current member, naming the group's current generation, may
 * commit, and only partitions it owns now. A member that lost a partition in a rebalance (a
 * zombie) is refused, so it cannot move the committed offset under the new owner.
 *
 * @param generation the generation the commit names; undefined for a pushed member's commit,
 *   which the broker makes on the member's current assignment
 */
export function fenceCommit(
  group: ConsumerGroup,
  memberId: string,
  generation: number | undefined,
  partitions: readonly GroupPartition[],
): CommitVerdict {
  if (!group.member(memberId)) {
    return {
      ok: false,
      code: 'MEMBER_NOT_FOUND',
      message: `Group '${group.name}' has no member '${memberId}'; join again`,
    };
  }
  if (generation !== undefined && generation !== group.generation) {
    return {
      ok: false,
      code: 'STALE_GENERATION',
      message: `Generation ${generation} is stale: group '${group.name}' is in generation ${group.generation}; poll or heartbeat to learn it`,
    };
  }
  const foreign = partitions.filter((p) => group.ownerOf(groupPartitionKey(p)) !== memberId);
  if (foreign.length > 0) {
    const names = toAssignment(foreign);
    return {
      ok: false,
      code: 'NOT_PARTITION_OWNER',
      message: `Member '${memberId}' does not own ${names.map((p) => `${p.topic}/${p.partition}`).join(', ')}`,
      partitions: names,
    };
  }
  return { ok: true };
}
