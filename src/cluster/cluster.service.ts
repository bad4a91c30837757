import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Storage } from '../persistence/port/storage';
import { TopicsService } from '../modules/topics/topics.service';
import type { ClusterView } from './cluster.schemas';
import { ClusterRuntime } from './cluster-runtime';

/**
 * The cluster as this node sees it. On SQLite (the embedded default) it is the single-node
 * stand-in of DESIGN §7: one node, alive, that owns every partition at epoch 0. Over
 * PostgreSQL it is the ownership directory as last read (at most a keeper tick old): every
 * registered node, alive while it heartbeats within the lease period by database time, and
 * every leased partition with its holder and epoch (a partition never leased is not listed).
 */
@Injectable()
export class ClusterService {
  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(ClusterRuntime) private readonly runtime: ClusterRuntime,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  view(): ClusterView {
    const { nodeId, advertisedUrl } = this.runtime;
    const snapshot = this.runtime.snapshot();
    if (snapshot === null) {
      return {
        nodeId,
        storage: this.storage.kind,
        nodes: [{ nodeId, url: advertisedUrl, alive: true, lastSeenMs: this.clock.now() }],
        partitions: this.topics.list().flatMap((topic) =>
          Array.from({ length: topic.partitions }, (_x, partition) => ({
            topic: topic.name,
            partition,
            owner: nodeId,
            epoch: 0,
          })),
        ),
      };
    }
    return {
      nodeId,
      storage: this.storage.kind,
      nodes: snapshot.nodes.map((node) => ({
        nodeId: node.nodeId,
        url: node.url,
        alive: node.alive,
        lastSeenMs: node.lastSeenMs,
      })),
      partitions: snapshot.owners.flatMap((owner) => {
        const topic = this.topics.findById(owner.topicId);
        return topic
          ? [
              {
                topic: topic.name,
                partition: owner.partition,
                owner: owner.nodeId,
                epoch: owner.epoch,
              },
            ]
          : [];
      }),
      groups: (this.runtime.groups?.keeper.table() ?? [])
        .filter((row) => !row.expired)
        .map((row) => ({ group: row.group, coordinator: row.owner, epoch: row.epoch })),
    };
  }
}
