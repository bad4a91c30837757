import { Inject, Injectable } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import {
  GROUP_CALL_MARGIN_MS,
  GroupCaller,
  GroupRouter,
  isCoordinatorMiss,
} from '../../cluster/group-router';
import { FORWARDED_HEADER, HttpPeerClient } from '../../cluster/peer-client';
import { assertGroupName } from '../../common/names';
import { ClusterMetrics } from '../../metrics/cluster-metrics';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { Storage } from '../../persistence/port/storage';
import { TopicsService } from '../topics/topics.service';
import type { GroupList } from './streams.schemas';

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * Streaming-group calls in a cluster (DESIGN §7 "Routing"): each is served by the group's
 * coordinator, here or forwarded over HTTP (`GroupRouter`); on a single node, always here.
 */
@Injectable()
export class StreamGroupRouting {
  readonly router: GroupRouter;

  constructor(
    @Inject(ClusterRuntime) private readonly runtime: ClusterRuntime,
    @Inject(HttpPeerClient) private readonly peers: HttpPeerClient,
    @Inject(ClusterMetrics) metrics: ClusterMetrics,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
  ) {
    this.router = new GroupRouter(() => runtime.groups, metrics);
  }

  /** Serves a call of `group` at its coordinator; `local` here, else the same call forwarded. */
  run<T>(
    group: string,
    caller: GroupCaller,
    local: () => Promise<T> | T,
    forward: { method: Method; path: string; body?: unknown; waitMs?: number; raw?: boolean },
  ): Promise<T> {
    // A name is checked before a coordinator lease is taken for it.
    if (this.router.clustered) assertGroupName(group);
    return this.router.run(
      group,
      caller,
      async () => local(),
      async (url) => {
        const answer = await this.peers.request(forward.method, url, forward.path, forward.body, {
          authorization: caller.authorization,
          timeoutMs: (forward.waitMs ?? 0) + GROUP_CALL_MARGIN_MS,
        });
        if (forward.raw) return answer as T;
        return (answer.length === 0 ? undefined : JSON.parse(answer.toString('utf8'))) as T;
      },
    );
  }

  /**
   * A group call made on behalf of a member whose socket is served here (a WebSocket member of
   * a group coordinated elsewhere): at the coordinator, which is this node itself when the
   * group moved here (then through its own HTTP API, as a forwarded call).
   */
  call<T>(
    group: string,
    authorization: string | undefined,
    forward: { method: Method; path: string; body?: unknown; waitMs?: number },
  ): Promise<T> {
    const path = `/streams/groups/${encodeURIComponent(group)}${forward.path}`;
    const send = async (url: string): Promise<T> => {
      const answer = await this.peers.request(forward.method, url, path, forward.body, {
        authorization,
        timeoutMs: (forward.waitMs ?? 0) + GROUP_CALL_MARGIN_MS,
      });
      return (answer.length === 0 ? undefined : JSON.parse(answer.toString('utf8'))) as T;
    };
    return this.router.run(group, { authorization }, () => send(this.runtime.advertisedUrl), send);
  }

  /** True when this node coordinates `group` or took it now (no node did). */
  async coordinatesHere(group: string): Promise<boolean> {
    assertGroupName(group);
    try {
      await this.router.ensureLocal(group);
      return true;
    } catch (error) {
      if (isCoordinatorMiss(error)) return false;
      throw error;
    }
  }

  /**
   * The group list of a cluster: each live node's list of the groups it coordinates, then the
   * groups known only by their committed offsets (no coordinator now, or one that did not
   * answer), with no members and generation 0.
   */
  async list(caller: GroupCaller, local: () => GroupList): Promise<GroupList> {
    if (!this.router.clustered || caller.forwardedBy !== undefined) return local();
    const peers = (this.runtime.snapshot()?.nodes ?? []).filter(
      (node) => node.alive && node.nodeId !== this.runtime.nodeId,
    );
    const answers = await Promise.all(
      peers.map(async (node) => {
        try {
          const body = await this.peers.request('GET', node.url, '/streams/groups', undefined, {
            authorization: caller.authorization,
            timeoutMs: GROUP_CALL_MARGIN_MS,
          });
          return (JSON.parse(body.toString('utf8')) as GroupList).groups;
        } catch {
          return [];
        }
      }),
    );
    const merged = new Map<string, GroupList['groups'][number]>();
    for (const item of [...local().groups, ...answers.flat()]) {
      const known = merged.get(item.group);
      if (!known || item.generation > known.generation) merged.set(item.group, item);
    }
    const stored = new Map<string, { topics: Set<string>; lag: number }>();
    for (const row of await this.storage.offsets.list()) {
      if (merged.has(row.group)) continue;
      const topic = this.topics.findById(row.topicId);
      const bounds = topic && this.partitionBounds.partitionState(row.topicId, row.partition);
      const summary = stored.get(row.group) ?? { topics: new Set<string>(), lag: 0 };
      stored.set(row.group, summary);
      if (!topic || !bounds) continue;
      summary.topics.add(topic.name);
      summary.lag += Math.max(0, bounds.logEndOffset - row.committedOffset);
    }
    for (const [group, summary] of stored) {
      merged.set(group, {
        group,
        generation: 0,
        members: 0,
        topics: [...summary.topics].sort(),
        lag: summary.lag,
      });
    }
    const groups = [...merged.values()].sort((a, b) =>
      a.group < b.group ? -1 : a.group > b.group ? 1 : 0,
    );
    return { groups };
  }
}

export { FORWARDED_HEADER };
