import type { ClusterMetrics } from '../metrics/cluster-metrics';
import { dispatchByPartition, OwnerRouting } from './partition-dispatch';
import type { PeerTransport } from './peer-client';
import type { CallerContext } from './produce-router';

/** One share partition a reset moves, named as the owner's API takes it. */
export interface ResetTarget {
  topic: string;
  topicId: number;
  partition: number;
}

/** Resets these partitions here (this node serves them), or throws when it does not. */
export type LocalReset = (targets: ResetTarget[]) => Promise<void>;

/** Bound on one forwarded reset. Ms. */
const RESET_TIMEOUT_MS = 15_000;

/**
 * Share-group resets through any node (DESIGN §7 "Routing"): a share partition's state lives at
 * the owner of its topic partition, so each owner resets its own partitions (`POST
 * /queues/groups/:group/reset` with `topic` and `partitions`, forwarded), concurrently, and
 * this node the ones it serves. A part that misses its owner is routed again after the
 * directory is read again; what misses again fails the reset with `NOT_PARTITION_OWNER` (503,
 * retriable). The parts that succeeded stay reset: a reset to the same target is idempotent,
 * so the client's retry completes it.
 */
export class ShareResetRouter {
  constructor(
    private readonly routing: OwnerRouting,
    private readonly peers: Pick<PeerTransport, 'post'>,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  async reset(
    group: string,
    to: unknown,
    targets: readonly ResetTarget[],
    local: LocalReset,
    caller: CallerContext = {},
  ): Promise<void> {
    if (!this.routing.clustered) return local([...targets]);
    const outcomes = await dispatchByPartition(
      targets,
      (target) => this.routing.route(target.topicId, target.partition),
      () => this.routing.refresh(),
      async (destination, items) => {
        if (destination.kind === 'local') {
          await local(items);
          return items.map(() => true);
        }
        this.metrics?.forwardedRequest('reset');
        try {
          for (const [topic, partitions] of byTopic(items)) {
            await this.peers.post(
              destination.url,
              `/queues/groups/${encodeURIComponent(group)}/reset`,
              { topic, partitions, to },
              { authorization: caller.authorization, timeoutMs: RESET_TIMEOUT_MS },
            );
          }
        } catch (error) {
          this.metrics?.forwardFailed('reset');
          throw error;
        }
        return items.map(() => true);
      },
    );
    for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
  }
}

function byTopic(targets: readonly ResetTarget[]): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of targets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push(partition);
    topics.set(topic, partitions);
  }
  return topics;
}
