import { PartitionKey, partitionKeyOf } from './lease-store';
import { assignPartitions } from './partition-assignment';

const partitionsOf = (topics: number, perTopic: number): PartitionKey[] =>
  Array.from({ length: topics * perTopic }, (_, i) => ({
    topicId: Math.floor(i / perTopic) + 1,
    partition: i % perTopic,
  }));

const countsOf = (owners: Map<string, string>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const node of owners.values()) counts.set(node, (counts.get(node) ?? 0) + 1);
  return counts;
};

describe('assignPartitions', () => {
  it('gives each of three nodes four of twelve partitions', () => {
    const owners = assignPartitions(partitionsOf(1, 12), ['c', 'a', 'b']);
    expect(owners.size).toBe(12);
    expect([...countsOf(owners).values()]).toEqual([4, 4, 4]);
  });

  it.each([
    [1, 7, 3],
    [3, 5, 4],
    [2, 1, 5],
    [10, 16, 7],
  ])('spreads %i topics of %i partitions over %i nodes within one of each other', (t, p, n) => {
    const nodes = Array.from({ length: n }, (_, i) => `node-${i}`);
    const owners = assignPartitions(partitionsOf(t, p), nodes);
    const counts = [...countsOf(owners).values()];
    expect(owners.size).toBe(t * p);
    expect(
      Math.max(...counts) - Math.min(...(counts.length < n ? [0] : counts)),
    ).toBeLessThanOrEqual(1);
  });

  it('answers the same owners whatever the order of nodes and partitions', () => {
    const partitions = partitionsOf(3, 8);
    const one = assignPartitions(partitions, ['x', 'y', 'z']);
    const other = assignPartitions([...partitions].reverse(), ['z', 'x', 'y', 'x']);
    expect([...other.entries()].sort()).toEqual([...one.entries()].sort());
  });

  it('moves few partitions besides those a joining node takes', () => {
    const partitions = partitionsOf(4, 25);
    const before = assignPartitions(partitions, ['a', 'b', 'c']);
    const after = assignPartitions(partitions, ['a', 'b', 'c', 'd']);
    const movedBetweenOld = partitions.filter((p) => {
      const key = partitionKeyOf(p);
      return after.get(key) !== 'd' && after.get(key) !== before.get(key);
    });
    expect([...countsOf(after).values()].sort()).toEqual([25, 25, 25, 25]);
    // Round-robin would move about three quarters of them.
    expect(movedBetweenOld.length).toBeLessThan(25);
  });

  it('assigns nothing without a live node', () => {
    expect(assignPartitions(partitionsOf(1, 3), []).size).toBe(0);
  });
});
