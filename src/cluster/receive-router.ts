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

/** Bound on a forwarded member release. Ms. */
const RELEASE_TIMEOUT_MS = 15_000;

/** Records acquired at another node for a receive. */
export interface RemoteRecords extends AcquiredRecords {
  nodeId: string;
  url: string;
}

/** How `ReceiveRouter.gather` runs beyond its sources. */
export interface GatherOptions<R> {
  /** Ends the receive early (the subscription closed). */
  signal?: AbortSignal;
  /** Gets records an owner acquired after another had ended the wait (see `gatherReceive`). */
  late?: (result: R) => void;
  /** This node takes its turn in the rotation instead of being asked first. */
  rotateAll?: boolean;
}

/**
 * Share-group receives through any node (DESIGN §7 "Routing"): the records of the partitions
 * this node owns are acquired here, those of other owners at their node (where their state
 * lives), with one `memberId` for all; see `gatherReceive` for the order and the long-poll.
 * The records of every owner are answered as one array. A WebSocket share subscription
 * gathers through the same owners (`gather`), and gives back at the owners what it could not
 * send or still holds when it closes (`releaseAt`).
 */
export class ReceiveRouter {
  private rotation = 0;

  constructor(
    private readonly routing: Pick<OwnerRouting, 'clustered'>,
    private readonly peers: Pick<PeerTransport, 'post'>,
    private readonly local: LocalReceiver,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  /** True when other nodes own partitions (PostgreSQL): receives are gathered across them. */
  get clustered(): boolean {
    return this.routing.clustered;
  }

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
    const got = await this.gather(group, asked, here, maxRecords, waitMs, caller);
    return { memberId, records: joinJsonArrays(got.map((result) => result.records)) };
  }

  /**
   * Gathers up to `maxRecords` for `request.memberId` from `here` (this node's share
   * partitions, as the caller acquires them) and from the other owners of the group's
   * partitions (see `gatherReceive`): this node first, then the others in a rotating order;
   * with `rotateAll`, this node takes its turn in the rotation too (a subscription's rounds,
   * so that partitions here never keep the others waiting). `late` gets what an owner acquired
   * after another had ended the wait; `signal` ends the receive early.
   */
  async gather<L extends AcquiredRecords>(
    group: string,
    request: ReceiveRequest & { memberId: string },
    here: GatherSource<L>,
    maxRecords: number,
    waitMs: number,
    caller: CallerContext = {},
    options: GatherOptions<L | RemoteRecords> = {},
  ): Promise<Array<L | RemoteRecords>> {
    await this.local.settle(group, request);
    const remote: Array<GatherSource<L | RemoteRecords>> = this.local
      .remoteOwners(group, request)
      .map((owner) => this.remoteSource(group, owner, request, caller));
    const sources = options.rotateAll
      ? rotate([here, ...remote], this.rotation++)
      : [here, ...rotate(remote, this.rotation++)];
    return await gatherReceive<L | RemoteRecords>(
      sources,
      maxRecords,
      waitMs,
      {
        count: (result) => result.count,
        failed: (nodeId) => {
          if (nodeId !== '') this.metrics?.forwardFailed('receive');
        },
        ...(options.late ? { late: options.late } : {}),
      },
      options.signal,
    );
  }

  /** The other nodes that own a partition of the group's topics now. */
  remoteOwners(group: string, request: ReceiveRequest): Array<{ nodeId: string; url: string }> {
    return this.local.remoteOwners(group, request);
  }

  /**
   * Ends at the node at `url` the deliveries `memberId` holds in `group` there (as a closing
   * WebSocket worker's records are ended: available at once, delivery count kept); with
   * `unsent` receipts, only those, handed back as deliveries nobody saw (count restored).
   */
  async releaseAt(
    url: string,
    group: string,
    memberId: string,
    unsent: string[] | undefined,
    caller: CallerContext = {},
  ): Promise<void> {
    this.metrics?.forwardedRequest('release');
    try {
      await this.peers.post(
        url,
        `/queues/groups/${encodeURIComponent(group)}/members/${encodeURIComponent(memberId)}/release`,
        unsent ? { unsent } : {},
        { authorization: caller.authorization, timeoutMs: RELEASE_TIMEOUT_MS },
      );
    } catch (error) {
      this.metrics?.forwardFailed('release');
      throw error;
    }
  }

  private remoteSource(
    group: string,
    owner: { nodeId: string; url: string },
    asked: ReceiveRequest & { memberId: string },
    caller: CallerContext,
  ): GatherSource<RemoteRecords> {
    return {
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
          nodeId: owner.nodeId,
          url: owner.url,
          records: Buffer.from(JSON.stringify(answer.records)),
          count: answer.records.length,
        };
      },
    };
  }
}
