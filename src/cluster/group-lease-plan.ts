import type { GroupLeaseRow } from './group-lease-store';
import { rendezvousScore } from './partition-assignment';

/**
 * The node that should coordinate `group` among `liveNodeIds`: the highest rendezvous score
 * of (node, group), so that every node computes the same one without talking and a node
 * leaving moves only its own groups. Null when no node is live.
 */
export function coordinatorOf(group: string, liveNodeIds: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const node of [...new Set(liveNodeIds)].sort()) {
    const score = rendezvousScore(node, `group\u0000${group}`);
    if (score > bestScore) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** What a node knows at one tick about group leases. */
export interface GroupLeasePlanInput {
  nodeId: string;
  liveNodeIds: readonly string[];
  table: readonly GroupLeaseRow[];
  /** Groups this node coordinates now. */
  held: ReadonlySet<string>;
}

/**
 * The groups this node takes at a tick: those whose lease expired (its coordinator died, froze
 * or left) and whose rightful coordinator among the live nodes is this node. A live lease is
 * never taken and a held one never handed over (that would drop the group's membership):
 * groups spread by where they were first used, and move only when their coordinator goes. A
 * node that does not see itself live takes nothing.
 */
export function planGroupLeases(input: GroupLeasePlanInput): string[] {
  const { nodeId, liveNodeIds, table, held } = input;
  if (!liveNodeIds.includes(nodeId)) return [];
  return table
    .filter((row) => row.expired && !held.has(row.group))
    .filter((row) => coordinatorOf(row.group, liveNodeIds) === nodeId)
    .map((row) => row.group);
}
