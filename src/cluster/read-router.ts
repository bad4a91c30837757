import type { ClusterMetrics } from '../metrics/cluster-metrics';
import { isOwnershipMiss, OwnerRouting } from './partition-dispatch';
import type { PeerTransport } from './peer-client';
import type { CallerContext } from './produce-router';

/** A plain read of one partition, as `GET /topics/:topic/partitions/:partition/records` takes it. */
export interface ReadRequest {
  topic: string;
  topicId: number;
  partition: number;
  offset?: number;
  maxRecords: number;
  waitMs: number;
}

/** Bound on a forwarded read beyond its own wait. Ms. */
const READ_MARGIN_MS = 10_000;

/**
 * Plain reads through any node: a read of a partition another node owns is served by that
 * owner, whose log end is current and whose long-polls are woken by its own appends (API.md
 * "Cluster"); its answer is passed on as it came. Reads change nothing, so when the owner
 * cannot answer (even after the directory was read again) the read is served here, from the
 * database.
 */
export class ReadRouter {
  constructor(
    private readonly routing: OwnerRouting,
    private readonly peers: Pick<PeerTransport, 'get'>,
    private readonly local: (request: ReadRequest) => Promise<Buffer>,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  /** False on a single node: every read is served here. */
  get clustered(): boolean {
    return this.routing.clustered;
  }

  async read(request: ReadRequest, caller: CallerContext = {}): Promise<Buffer> {
    for (let round = 0; this.routing.clustered && round < 2; round++) {
      if (round > 0) await this.routing.refresh();
      const route = this.routing.route(request.topicId, request.partition);
      if (route.kind !== 'remote') break;
      const query = new URLSearchParams({
        maxRecords: String(request.maxRecords),
        waitMs: String(request.waitMs),
      });
      if (request.offset !== undefined) query.set('offset', String(request.offset));
      const path = `/topics/${encodeURIComponent(request.topic)}/partitions/${request.partition}/records?${query.toString()}`;
      try {
        this.metrics?.forwardedRequest('read');
        return await this.peers.get(route.url, path, {
          authorization: caller.authorization,
          timeoutMs: request.waitMs + READ_MARGIN_MS,
        });
      } catch (error) {
        if (!isOwnershipMiss(error)) throw error;
        this.metrics?.forwardFailed('read');
      }
    }
    return this.local(request);
  }
}
