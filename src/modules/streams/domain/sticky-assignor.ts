import { comparePartitions, GroupPartition, groupPartitionKey } from './group-partition';

/** A member and the topics it subscribes to. */
export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/**
 * The sticky assignor: gives every partition to exactly one member subscribed to its topic.
 *
 * - Sticky: a partition stays with its `previous` owner while that owner is still a member
 *   subscribed to the topic, unless it must move to even out the spread.
 * - Balanced: afterwards no member owns two or more partitions more than another member that
 *   could take one of them. With one subscription for all members, counts differ by at most one.
 * - Minimal: only partitions without an owner and the excess of overloaded members move.
 *
 * Pure and deterministic: ties are broken by member id and partition order.
 *
 * @param partitions every partition of the group's topics
 * @param previous the owner of each partition key in the last assignment
 * @returns the owner of each partition key; partitions no member subscribes to are absent
 */
export function assignPartitions(
  partitions: readonly GroupPartition[],
  members: readonly MemberSubscription[],
  previous: ReadonlyMap<string, string>,
): Map<string, string> {
  const topicsOf = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const memberIds = [...topicsOf.keys()].sort();
  const owned = new Map<string, GroupPartition[]>(memberIds.map((id) => [id, []]));
  const owner = new Map<string, string>();
  const give = (p: GroupPartition, memberId: string) => {
    owner.set(groupPartitionKey(p), memberId);
    owned.get(memberId)?.push(p);
  };
  const count = (memberId: string) => owned.get(memberId)?.length ?? 0;

  const unowned: GroupPartition[] = [];
  for (const p of [...partitions].sort(comparePartitions)) {
    const kept = previous.get(groupPartitionKey(p));
    if (kept !== undefined && topicsOf.get(kept)?.has(p.topic)) give(p, kept);
    else unowned.push(p);
  }
  for (const p of unowned) {
    let least: string | undefined;
    for (const id of memberIds) {
      if (topicsOf.get(id)?.has(p.topic) && (least === undefined || count(id) < count(least))) {
        least = id;
      }
    }
    if (least !== undefined) give(p, least);
  }
  while (moveOneToEvenOut(memberIds, owned, topicsOf, owner)) {
    // each move lowers the sum of squared counts, so this ends
  }
  return owner;
}

/**
 * Moves one partition from the most loaded member to the least loaded member that can take it,
 * when their counts differ by two or more. Returns false when no such move exists.
 */
function moveOneToEvenOut(
  memberIds: readonly string[],
  owned: Map<string, GroupPartition[]>,
  topicsOf: ReadonlyMap<string, ReadonlySet<string>>,
  owner: Map<string, string>,
): boolean {
  const load = (id: string) => owned.get(id)?.length ?? 0;
  const byLoad = [...memberIds].sort((a, b) => load(b) - load(a) || (a < b ? -1 : 1));
  for (const from of byLoad) {
    for (let i = byLoad.length - 1; i >= 0; i--) {
      const to = byLoad[i]!;
      if (load(to) >= load(from) - 1) break;
      const list = owned.get(from)!;
      const topics = topicsOf.get(to)!;
      const index = list.findLastIndex((p) => topics.has(p.topic));
      if (index < 0) continue;
      const [moved] = list.splice(index, 1);
      owned.get(to)!.push(moved!);
      owner.set(groupPartitionKey(moved!), to);
      return true;
    }
  }
  return false;
}
