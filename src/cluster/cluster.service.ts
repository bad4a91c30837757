import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { Storage } from '../persistence/port/storage';
import { TopicsService } from '../modules/topics/topics.service';
import type { ClusterView } from './cluster.schemas';

/**
 * The cluster as this node sees it. On SQLite (the embedded default) it is the single-node
 * stand-in of DESIGN §7: one node, alive, that owns every partition at epoch 0. Several nodes
 * with leases and epochs come with the PostgreSQL mode.
 */
@Injectable()
export class ClusterService {
  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  view(): ClusterView {
    const { nodeId, advertisedUrl } = this.config;
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
}
