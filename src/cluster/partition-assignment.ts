import { PartitionKey, partitionKeyOf } from './lease-store';

/**
 * Spreads `partitions` over `nodeIds` evenly and deterministically, so that every node that
 * sees the same live nodes and partitions computes the same owners without talking: capped
 * rendezvous hashing. Each partition, in (topic, partition) order, goes to the node that
 * scores highest for it among those with room left; every node gets ⌊P/N⌋ or ⌈P/N⌉
 * partitions. Compared with round-robin, a node joining or leaving moves few partitions
 * besides those it takes or gives up. Answers a map from `partitionKeyOf` to node id (empty
 * when there is no node).
 */
export function assignPartitions(
  partitions: readonly PartitionKey[],
  nodeIds: readonly string[],
): Map<string, string> {
  const owners = new Map<string, string>();
  const nodes = [...new Set(nodeIds)].sort();
  if (nodes.length === 0) return owners;
  const sorted = [...partitions].sort((a, b) => a.topicId - b.topicId || a.partition - b.partition);
  const base = Math.floor(sorted.length / nodes.length);
  let roundingSlots = sorted.length % nodes.length;
  const counts = new Map(nodes.map((node) => [node, 0]));
  for (const partition of sorted) {
    const key = partitionKeyOf(partition);
    const ranked = nodes
      .map((node) => ({ node, score: rendezvousScore(node, key) }))
      .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1));
    for (const { node } of ranked) {
      const count = counts.get(node)!;
      const roomLeft = count < base || (count === base && roundingSlots > 0);
      if (!roomLeft) continue;
      if (count === base) roundingSlots -= 1;
      counts.set(node, count + 1);
      owners.set(key, node);
      break;
    }
  }
  return owners;
}

/** A well-mixed 32-bit score of a (node, partition) pair: FNV-1a, then murmur3's finaliser. */
export function rendezvousScore(nodeId: string, partitionKey: string): number {
  let hash = 0x811c9dc5;
  const text = `${nodeId}\u0000${partitionKey}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
