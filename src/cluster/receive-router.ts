import { randomUUID } from 'node:crypto';
import { joinJsonArrays } from '../common/record-wire';
import type { ClusterMetrics } from '../metrics/cluster-metrics';
import type { OwnerRouting } from './partition-dispatch';
import type { PeerTransport } from './peer-client';
import type { CallerContext } from './produce-router';
import { gatherReceive, GatherSource, rotate } from './share-gather';

/** A share-group receive as `POST /queues/groups/:group/receive` takes it. */
export interface ReceiveRequest {
  memberId?: string;
  topics?: string[];
  maxRecords?: number;
  waitMs?: number;
  lockDurationMs?: number;
}

/** Records acquired at one node: a JSON array, and how many. */
export interface AcquiredRecords {
  records: Buffer;
  count: number;
}

/** What a receive router needs of this node. */
export interface LocalReceiver {
  /**
   * Acquires here, from the share partitions this node owns; ends a wait early, answering
   * empty, once `cancelled()` says so.
   */
  receive(
    group: string,
    request: ReceiveRequest,
    cancelled: () => boolean,
  ): Promise<AcquiredRecords>;
  /**
   * Settles ownership first when a partition of the group's topics has no owner yet (a topic
   * just created, a node just started): see `ClusterRuntime.refresh`.
   */
  settle(group: string, request: ReceiveRequest): Promise<void>;
  /** The other nodes that own a partition of the group's topics now (from the directory). */
  remoteOwners(group: string, request: ReceiveRequest): Array<{ nodeId: string; url: string }>;
  /** Cap of `maxRecords` and `waitMs` (`WEIR_MAX_RECEIVE_RECORDS`, `WEIR_MAX_WAIT_MS`). */
  limits: { maxReceiveRecords: number; maxWaitMs: number };
}

/** Bound on a forwarded receive beyond its own wait. Ms. */
const RECEIVE_MARGIN_MS = 10_000;

/**
 * Share-group receives through any node (DESIGN §7 "Routing"): the records of the partitions
 * this node owns are acquired here, those of other owners at their node (where their state
 * lives), with one `memberId` for all; see `gatherReceive` for the order and the long-poll.
 * The records of every owner are answered as one array.
 */
export class ReceiveRouter {
  private rotation = 0;

  constructor(
    private readonly routing: Pick<OwnerRouting, 'clustered'>,
    private readonly peers: Pick<PeerTransport, 'post'>,
    private readonly local: LocalReceiver,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  async receive(
    group: string,
    request: ReceiveRequest,
    caller: CallerContext = {},
  ): Promise<{ memberId: string; records: Buffer }> {
    const memberId = request.memberId ?? randomUUID();
    const asked = { ...request, memberId };
    if (!this.routing.clustered) {
      const here = await this.local.receive(group, asked, () => false);
      return { memberId, records: here.records };
    }
    await this.local.settle(group, asked);
    const maxRecords = Math.min(request.maxRecords ?? 100, this.local.limits.maxReceiveRecords);
    const waitMs = Math.min(request.waitMs ?? 0, this.local.limits.maxWaitMs);
    const here: GatherSource<AcquiredRecords> = {
      nodeId: '',
      receive: (max, wait, signal) =>
        this.local.receive(
          group,
          { ...asked, maxRecords: max, waitMs: wait },
          () => signal.aborted,
        ),
    };
    const remote = this.local
      .remoteOwners(group, asked)
      .map((owner): GatherSource<AcquiredRecords> => ({
        nodeId: owner.nodeId,
        receive: async (max, wait, signal) => {
          this.metrics?.forwardedRequest('receive');
          const answer = (await this.peers.post(
            owner.url,
            `/queues/groups/${encodeURIComponent(group)}/receive`,
            { ...asked, maxRecords: max, waitMs: wait },
            {
              authorization: caller.authorization,
              timeoutMs: wait + RECEIVE_MARGIN_MS,
              signal,
            },
          )) as { records: unknown[] };
          return {
            records: Buffer.from(JSON.stringify(answer.records)),
            count: answer.records.length,
          };
        },
      }));
    const sources = [here, ...rotate(remote, this.rotation++)];
    const got = await gatherReceive(sources, maxRecords, waitMs, {
      count: (result) => result.count,
      failed: (nodeId) => {
        if (nodeId !== '') this.metrics?.forwardFailed('receive');
      },
    });
    return { memberId, records: joinJsonArrays(got.map((result) => result.records)) };
  }
}
