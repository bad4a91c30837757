import { BrokerError, PartitionOwnerUnavailableError } from '../common/errors';
import type { ClusterMetrics } from '../metrics/cluster-metrics';
import type { RecordInput } from '../modules/topics/domain/record-codec';
import type { PartitionRoute } from './cluster-runtime';
import { dispatchByPartition, OwnerRouting } from './partition-dispatch';
import type { PeerTransport } from './peer-client';

/** Where a produced record landed (as `POST /topics/:topic/records` answers it). */
export interface ProducedPosition {
  partition: number;
  offset: number;
}

/** The topic a produce goes to. */
export interface ProduceTopic {
  id: number;
  name: string;
}

/** What a produce router needs of this node. */
export interface LocalProducer {
  /**
   * Validates the request and picks each record's partition as the local produce would
   * (creating the topic when auto-creation is on).
   */
  assignPartitions(
    topicName: string,
    inputs: readonly RecordInput[],
  ): Promise<{ topic: ProduceTopic; partitions: number[] }>;
  /** Appends records here, all or nothing. */
  produce(topicName: string, inputs: readonly RecordInput[]): Promise<ProducedPosition[]>;
}

/** Who asked, passed on to the owners. */
export interface CallerContext {
  authorization?: string;
}

/** Bound on one forwarded produce. Ms. */
const PRODUCE_TIMEOUT_MS = 30_000;

/**
 * Produce through any node (DESIGN §7 "Routing"): the records are given their partitions here
 * (explicit, key hash, or round-robin), then split by the partition's owner: this node appends
 * its part, each other owner gets its part as a partition-explicit request, concurrently, and
 * the positions are merged back in request order.
 *
 * Semantics: each owner's part is atomic (one transaction), parts are independent. When every
 * part succeeds the answer is the usual 200. When some part fails (after one retry on the new
 * owner), the request answers that part's error (`NOT_PARTITION_OWNER` 503 when no owner could
 * serve it) with `details.offsets`: for every record in request order its position if its part
 * was written, else null; a client that retries the whole request writes those parts again
 * (at-least-once, as a Kafka producer without idempotence).
 */
export class ProduceRouter {
  constructor(
    private readonly routing: OwnerRouting,
    private readonly peers: Pick<PeerTransport, 'post'>,
    private readonly local: LocalProducer,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  async produce(
    topicName: string,
    inputs: readonly RecordInput[],
    caller: CallerContext = {},
  ): Promise<ProducedPosition[]> {
    if (!this.routing.clustered) return this.local.produce(topicName, inputs);
    const { topic, partitions } = await this.local.assignPartitions(topicName, inputs);
    const routed = inputs.map((input, i) => ({ ...input, partition: partitions[i]! }));
    // Routes are looked up once per partition of the request, not once per record (a lookup
    // of a partition this node does not own is not free), and again after a refresh.
    const routes = new Map<number, PartitionRoute>();
    const routeOf = (partition: number): PartitionRoute => {
      let route = routes.get(partition);
      if (route === undefined)
        routes.set(partition, (route = this.routing.route(topic.id, partition)));
      return route;
    };
    if (partitions.every((p) => routeOf(p).kind === 'local')) {
      return this.local.produce(topic.name, routed);
    }
    const outcomes = await dispatchByPartition(
      routed,
      (input) => routeOf(input.partition),
      async () => {
        await this.routing.refresh();
        routes.clear();
      },
      async (destination, items) => {
        if (destination.kind === 'local') return this.local.produce(topic.name, items);
        this.metrics?.forwardedRequest('produce');
        try {
          const answer = (await this.peers.post(
            destination.url,
            `/topics/${encodeURIComponent(topic.name)}/records`,
            { records: items },
            { authorization: caller.authorization, timeoutMs: PRODUCE_TIMEOUT_MS },
          )) as { offsets: ProducedPosition[] };
          return answer.offsets;
        } catch (error) {
          this.metrics?.forwardFailed('produce');
          throw error;
        }
      },
    );
    const offsets = outcomes.map((outcome) => (outcome.ok ? outcome.value : null));
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed) throw withWritten(failed.error, offsets);
    return offsets as ProducedPosition[];
  }
}

/** The failure of a part, saying what the other parts wrote (`details.offsets`). */
function withWritten(error: unknown, offsets: Array<ProducedPosition | null>): unknown {
  if (!(error instanceof BrokerError)) return error;
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  if (error instanceof PartitionOwnerUnavailableError) {
    const { owner = null, url = null } = details as { owner?: string | null; url?: string | null };
    return new PartitionOwnerUnavailableError(error.message, { ...details, owner, url, offsets });
  }
  return new BrokerError(error.code, error.message, { ...details, offsets });
}
