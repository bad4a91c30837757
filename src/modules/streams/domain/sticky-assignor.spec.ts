import { GroupPartition, groupPartitionKey } from './group-partition';
import { assignPartitions, MemberSubscription } from './sticky-assignor';

const partitionsOf = (topic: string, count: number, topicId = 1): GroupPartition[] =>
  Array.from({ length: count }, (_x, partition) => ({ topicId, topic, partition }));

const membersOf = (count: number, topics = ['t']): MemberSubscription[] =>
  Array.from({ length: count }, (_x, i) => ({
    memberId: `m${String(i).padStart(2, '0')}`,
    topics,
  }));

const countsOf = (assignment: ReadonlyMap<string, string>, members: MemberSubscription[]) =>
  members.map((m) => [...assignment.values()].filter((owner) => owner === m.memberId).length);

const spread = (counts: number[]) => Math.max(...counts) - Math.min(...counts);

const movedBetween = (before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>) =>
  [...after].filter(([key, owner]) => before.get(key) !== owner).length;

/**
 * The fewest partitions any balanced assignment must move, for one subscription shared by all
 * members: the partitions without a remaining owner, plus each member's excess over its target
 * when the larger targets go to the members that already own the most.
 */
function fewestMoves(
  partitions: readonly GroupPartition[],
  members: readonly MemberSubscription[],
  before: ReadonlyMap<string, string>,
): number {
  const ids = new Set(members.map((m) => m.memberId));
  const kept = members.map(
    (m) => partitions.filter((p) => before.get(groupPartitionKey(p)) === m.memberId).length,
  );
  const unowned = partitions.length - kept.reduce((a, b) => a + b, 0);
  const base = Math.floor(partitions.length / ids.size);
  const larger = partitions.length % ids.size;
  return (
    unowned +
    [...kept]
      .sort((a, b) => b - a)
      .reduce((sum, count, i) => sum + Math.max(0, count - (i < larger ? base + 1 : base)), 0)
  );
}

/** A small deterministic generator, so that skewed tables are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const table = Array.from({ length: 10 }, (_m, m) =>
  Array.from({ length: 12 }, (_p, p) => [m + 1, p + 1] as const),
).flat();

/** Leaving needs someone left to take over: two members or more. */
const leaveTable = table.filter(([memberCount]) => memberCount > 1);

describe('sticky assignor', () => {
  it.each(table)(
    'spreads %i members over %i partitions evenly, every partition owned once',
    (memberCount, partitionCount) => {
      const partitions = partitionsOf('t', partitionCount);
      const members = membersOf(memberCount);
      const assignment = assignPartitions(partitions, members, new Map());
      expect([...assignment.keys()].sort()).toEqual(partitions.map(groupPartitionKey).sort());
      expect(spread(countsOf(assignment, members))).toBeLessThanOrEqual(1);
    },
  );

  it.each(table)(
    'moves the fewest partitions when a member joins %i members on %i partitions',
    (memberCount, partitionCount) => {
      const partitions = partitionsOf('t', partitionCount);
      const before = assignPartitions(partitions, membersOf(memberCount), new Map());
      const grown = membersOf(memberCount + 1);
      const after = assignPartitions(partitions, grown, before);
      expect(spread(countsOf(after, grown))).toBeLessThanOrEqual(1);
      expect(movedBetween(before, after)).toBe(fewestMoves(partitions, grown, before));
    },
  );

  it.each(leaveTable)(
    'moves only the leaver share when one of %i members leaves %i partitions',
    (memberCount, partitionCount) => {
      const partitions = partitionsOf('t', partitionCount);
      const members = membersOf(memberCount);
      const before = assignPartitions(partitions, members, new Map());
      const leaver = members[Math.floor(memberCount / 2)]!.memberId;
      const rest = members.filter((m) => m.memberId !== leaver);
      const after = assignPartitions(partitions, rest, before);
      expect(spread(countsOf(after, rest))).toBeLessThanOrEqual(1);
      expect(movedBetween(before, after)).toBe(fewestMoves(partitions, rest, before));
      for (const [key, owner] of before) {
        if (owner !== leaver) expect(after.get(key)).toBe(owner);
      }
    },
  );

  it.each(table)(
    'evens out a skewed assignment of %i members on %i partitions with the fewest moves',
    (memberCount, partitionCount) => {
      const random = seeded(memberCount * 100 + partitionCount);
      const partitions = partitionsOf('t', partitionCount);
      const members = membersOf(memberCount);
      // most partitions on the first members, some on a member that is gone
      const before = new Map(
        partitions.map((p) => {
          const pick = Math.floor(random() * random() * (memberCount + 1));
          return [groupPartitionKey(p), pick < memberCount ? members[pick]!.memberId : 'gone'];
        }),
      );
      const after = assignPartitions(partitions, members, before);
      expect(spread(countsOf(after, members))).toBeLessThanOrEqual(1);
      expect(movedBetween(before, after)).toBe(fewestMoves(partitions, members, before));
    },
  );

  it('moves nothing when membership and partitions are unchanged', () => {
    const partitions = [...partitionsOf('a', 5, 1), ...partitionsOf('b', 4, 2)];
    const members = membersOf(3, ['a', 'b']);
    const first = assignPartitions(partitions, members, new Map());
    expect(assignPartitions(partitions, members, first)).toEqual(first);
  });

  it('spreads the partitions of several topics as one pool', () => {
    const partitions = [...partitionsOf('a', 3, 1), ...partitionsOf('b', 3, 2)];
    const members = membersOf(4, ['a', 'b']);
    const assignment = assignPartitions(partitions, members, new Map());
    expect(assignment.size).toBe(6);
    expect(spread(countsOf(assignment, members))).toBeLessThanOrEqual(1);
  });

  it('gives a partition only to members subscribed to its topic', () => {
    const partitions = [...partitionsOf('a', 4, 1), ...partitionsOf('b', 2, 2)];
    const members: MemberSubscription[] = [
      { memberId: 'only-a', topics: ['a'] },
      { memberId: 'both', topics: ['a', 'b'] },
      { memberId: 'only-b', topics: ['b'] },
    ];
    const assignment = assignPartitions(partitions, members, new Map());
    expect(assignment.size).toBe(6);
    for (const p of partitions) {
      const owner = assignment.get(groupPartitionKey(p))!;
      expect(members.find((m) => m.memberId === owner)!.topics).toContain(p.topic);
    }
    expect(countsOf(assignment, members)).toEqual([2, 2, 2]);
  });

  it('leaves partitions of a topic nobody subscribes to unassigned', () => {
    const partitions = [...partitionsOf('a', 2, 1), ...partitionsOf('lonely', 2, 2)];
    const assignment = assignPartitions(partitions, membersOf(2, ['a']), new Map());
    expect([...assignment.keys()].sort()).toEqual(['1:0', '1:1']);
  });

  it('gives the same answer for members listed in any order', () => {
    const partitions = partitionsOf('t', 7);
    const members = membersOf(3);
    const forward = assignPartitions(partitions, members, new Map());
    expect(assignPartitions(partitions, [...members].reverse(), new Map())).toEqual(forward);
  });
});
