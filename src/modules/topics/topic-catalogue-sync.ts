import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { TopicsService } from './topics.service';

/**
 * In a cluster, keeps this node's topics and partition bounds in step with what other nodes
 * do in the shared storage: at each keeper tick the catalogue is read again (topics created,
 * grown or deleted elsewhere) and so are the bounds (dead-letter copies other nodes appended to
 * partitions this node owns), and when this node gains a partition its bounds are read again
 * at once (the previous owner appended to it). One read of each at a time; inert on a single
 * node.
 */
@Injectable()
export class TopicCatalogueSync {
  private syncing: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;
  private readonly logger = new Logger('TopicCatalogueSync');

  constructor(
    @Inject(ClusterRuntime) runtime: ClusterRuntime,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly bounds: PartitionBoundsMirror,
  ) {
    runtime.onTick(() => {
      this.sync();
      void this.refreshBounds();
    });
    runtime.onGain(() => this.refreshBounds());
  }

  private sync(): void {
    this.syncing ??= this.topics
      .syncFromStorage()
      .catch((error: unknown) => this.logger.warn(`topics sync: ${String(error)}`))
      .finally(() => (this.syncing = null));
  }

  /** One read of every partition's bounds, shared by the gains of one tick. */
  private refreshBounds(): Promise<void> {
    this.refreshing ??= Promise.resolve()
      .then(() => this.bounds.refreshAll())
      .catch((error: unknown) => this.logger.warn(`bounds refresh: ${String(error)}`))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }
}
