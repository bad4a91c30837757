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
 * The fence on commits, per member (KIP-848's member epoch): a member may commit a partition
 * while it owns it and has owned it without a break since the generation the commit names, the
 * generation it last learned. A rebalance that takes nothing from the member never makes its
 * commits fail; a member that lost a partition in a rebalance (a zombie) is refused, so it cannot
 * move the committed offset under the new owner.
 *
 * - `MEMBER_NOT_FOUND`: the member left or its session expired.
 * - `NOT_PARTITION_OWNER`: the member does not own a partition now.
 * - `STALE_GENERATION`: the generation is not one the group has reached, or the member lost a
 *   partition and got it back after that generation (what it read before may be stale).
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
  if (generation === undefined) return { ok: true };
  const regained = partitions.filter(
    (p) => (group.ownedSinceGeneration(groupPartitionKey(p)) ?? 0) > generation,
  );
  if (generation > group.generation || regained.length > 0) {
    const names = toAssignment(regained);
    return {
      ok: false,
      code: 'STALE_GENERATION',
      message:
        generation > group.generation
          ? `Generation ${generation} is unknown: group '${group.name}' is in generation ${group.generation}`
          : `Generation ${generation} is stale for ${names.map((p) => `${p.topic}/${p.partition}`).join(', ')}: member '${memberId}' got them again later; poll or heartbeat to learn the generation`,
      ...(names.length > 0 ? { partitions: names } : {}),
    };
  }
  return { ok: true };
}
