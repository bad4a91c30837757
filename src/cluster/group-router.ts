import { BrokerError, ErrorCode } from '../common/errors';
import type { ClusterMetrics } from '../metrics/cluster-metrics';
import { GroupCoordinators, GroupRoute } from './group-coordinators';
import { NotGroupCoordinatorError } from './group-lease-store';
import { PeerUnreachableError } from './peer-client';

/** Who asked, and whether a peer forwarded the call. */
export interface GroupCaller {
  authorization?: string;
  /** The `weir-forwarded-by` header: served here or refused, never forwarded again. */
  forwardedBy?: string;
}

/** Bound on a forwarded group call beyond its own wait. Ms. */
export const GROUP_CALL_MARGIN_MS = 15_000;

/**
 * True when a forwarded group call missed its coordinator: the peer did not answer, or it
 * answered `NOT_PARTITION_OWNER` as the retriable 503 (whose details name `owner` and `url`),
 * not as a stream commit refused for a member that lost a partition (409).
 */
export function isCoordinatorMiss(error: unknown): boolean {
  if (error instanceof PeerUnreachableError || error instanceof NotGroupCoordinatorError) {
    return true;
  }
  if (!(error instanceof BrokerError) || error.code !== ErrorCode.NOT_PARTITION_OWNER) return false;
  const details = error.details as { url?: unknown } | undefined;
  return typeof details === 'object' && details !== null && 'url' in details;
}

/**
 * Streaming-group calls through any node (DESIGN §7 "Routing": group calls to the
 * coordinator). On a single node every call is served here. In a cluster a call is served
 * here when this node coordinates the group, else forwarded to the coordinator with the
 * caller's `Authorization`; a call that misses (the coordinator died, froze or lost the
 * group) is routed again after the lease table is read again, at most three times in all, the
 * last time taking the group here if no node coordinates it; what misses then is
 * `NOT_PARTITION_OWNER` 503. A call a peer forwarded is served here (taking the group if it
 * is free) or refused with that error, never forwarded again.
 */
export class GroupRouter {
  constructor(
    private readonly coordinators: () => GroupCoordinators | null,
    private readonly metrics: ClusterMetrics | null = null,
  ) {}

  /** False on a single node. */
  get clustered(): boolean {
    return this.coordinators() !== null;
  }

  /**
   * Makes sure this node coordinates `group` (taking it if no node does); throws the
   * retriable error when another node does.
   */
  async ensureLocal(group: string): Promise<void> {
    const coordinators = this.coordinators();
    if (coordinators === null || coordinators.keeper.holds(group)) return;
    const route = await coordinators.settle(group, true);
    if (route.kind !== 'local') throw missed(group, route);
  }

  async run<T>(
    group: string,
    caller: GroupCaller,
    local: () => Promise<T>,
    remote: (url: string) => Promise<T>,
  ): Promise<T> {
    const coordinators = this.coordinators();
    if (coordinators === null) return local();
    if (caller.forwardedBy !== undefined) {
      await this.ensureLocal(group);
      return local();
    }
    let route: GroupRoute = coordinators.route(group);
    for (let round = 0; round < 3; round++) {
      if (round > 0 || route.kind === 'unowned')
        route = await coordinators.settle(group, round === 2);
      try {
        if (route.kind === 'local') return await local();
        if (route.kind === 'remote') {
          this.metrics?.forwardedRequest('group');
          try {
            return await remote(route.url);
          } catch (error) {
            if (isCoordinatorMiss(error)) this.metrics?.forwardFailed('group');
            throw error;
          }
        }
      } catch (error) {
        if (!isCoordinatorMiss(error)) throw error;
      }
    }
    throw missed(group, route);
  }
}

function missed(group: string, route: GroupRoute): NotGroupCoordinatorError {
  const owner = route.kind === 'local' ? null : route.nodeId;
  const url = route.kind === 'local' ? null : route.url;
  return new NotGroupCoordinatorError(group, { owner, epoch: null }, url);
}
