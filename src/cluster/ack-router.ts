import { BrokerError, ErrorCode } from '../common/errors';
import type { ClusterMetrics } from '../metrics/cluster-metrics';
import { parseReceipt } from '../modules/queues/domain/receipt';
import { dispatchByPartition, OwnerRouting } from './partition-dispatch';
import type { PartitionRoute } from './cluster-runtime';
import type { PeerTransport } from './peer-client';
import type { CallerContext } from './produce-router';

/** One acknowledgement's answer, as `POST /queues/groups/:group/acks` gives it. */
export type RoutedAckResult =
  | { receipt: string; ok: true; lockExpiresAtMs?: number }
  | { receipt: unknown; ok: false; error: { code: string; message: string; details?: unknown } };

/**
 * Acknowledges here: answers one result per item, in order; without a group, each receipt's
 * own group (a WebSocket `ack` frame).
 */
export type LocalAcks = (
  group: string | undefined,
  acks: readonly unknown[],
) => Promise<RoutedAckResult[]>;

const LOCAL: PartitionRoute = { kind: 'local' };

/** Bound on one forwarded batch of acknowledgements. Ms. */
const ACKS_TIMEOUT_MS = 15_000;

/**
 * Acknowledgements through any node: each goes to the owner of the partition its receipt names
 * (the share partition's state lives there); the results come back in request order. An item
 * whose receipt is not one of ours is answered here (`INVALID_RECEIPT`, as always). A batch for
 * an owner that cannot be reached, even after one retry on the new owner, answers each of its
 * items `NOT_PARTITION_OWNER` (the others are applied: batches answer per item).
 */
export class AckRouter {
  constructor(
    private readonly routing: OwnerRouting,
    private readonly peers: Pick<PeerTransport, 'post'>,
    private readonly local: LocalAcks,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  /**
   * Acknowledgements that name no group (a WebSocket `ack` frame): the items of each group
   * (the one its receipt names, by `groupNameOf`) are routed as `acknowledge` routes them; the
   * items of no group known here (not a receipt, a deleted group) are answered here, as on a
   * single node. Answers one result per item, in request order.
   */
  async acknowledgeByReceipt(
    acks: readonly unknown[],
    groupNameOf: (groupId: number) => string | undefined,
    caller: CallerContext = {},
  ): Promise<RoutedAckResult[]> {
    if (!this.routing.clustered) return this.local(undefined, acks);
    const byGroup = new Map<string | undefined, number[]>();
    acks.forEach((item, index) => {
      const receipt = (item as { receipt?: unknown } | null)?.receipt;
      const parts = typeof receipt === 'string' ? parseReceipt(receipt) : undefined;
      const group = parts ? groupNameOf(parts.groupId) : undefined;
      const indexes = byGroup.get(group) ?? [];
      indexes.push(index);
      byGroup.set(group, indexes);
    });
    const results = new Array<RoutedAckResult>(acks.length);
    await Promise.all(
      [...byGroup].map(async ([group, indexes]) => {
        const items = indexes.map((index) => acks[index]);
        const answered =
          group === undefined
            ? await this.local(undefined, items)
            : await this.acknowledge(group, items, caller);
        indexes.forEach((index, i) => (results[index] = answered[i]!));
      }),
    );
    return results;
  }

  async acknowledge(
    group: string,
    acks: readonly unknown[],
    caller: CallerContext = {},
  ): Promise<RoutedAckResult[]> {
    const where = (item: unknown): PartitionRoute => {
      const receipt = (item as { receipt?: unknown } | null)?.receipt;
      const parts = typeof receipt === 'string' ? parseReceipt(receipt) : undefined;
      return parts ? this.routing.route(parts.topicId, parts.partition) : LOCAL;
    };
    if (!this.routing.clustered || acks.every((item) => where(item).kind === 'local')) {
      return this.local(group, acks);
    }
    const outcomes = await dispatchByPartition(
      acks,
      where,
      () => this.routing.refresh(),
      async (destination, items) => {
        if (destination.kind === 'local') return this.local(group, items);
        this.metrics?.forwardedRequest('acks');
        try {
          const answer = (await this.peers.post(
            destination.url,
            `/queues/groups/${encodeURIComponent(group)}/acks`,
            { acks: items },
            { authorization: caller.authorization, timeoutMs: ACKS_TIMEOUT_MS },
          )) as { results: RoutedAckResult[] };
          return answer.results;
        } catch (error) {
          this.metrics?.forwardFailed('acks');
          throw error;
        }
      },
    );
    return outcomes.map((outcome, i) => {
      if (outcome.ok) return outcome.value;
      const receipt = (acks[i] as { receipt?: unknown } | null)?.receipt;
      const error =
        outcome.error instanceof BrokerError
          ? outcome.error.toBody()
          : { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' };
      return { receipt, ok: false, error };
    });
  }
}
