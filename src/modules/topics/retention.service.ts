import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock, ScheduledTimer } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { TopicRow } from '../../persistence/port/rows';
import { Storage } from '../../persistence/port/storage';
import { planRetention } from './domain/retention-plan';
import { TopicsService } from './topics.service';

const SCAN_CHUNK = 1000;

/**
 * The background retention cleaner: every `retentionIntervalMs` on the clock it deletes records
 * beyond each topic's time and size limits from the head of each partition. One pass at a time:
 * the next is scheduled only when the previous one finished.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer: ScheduledTimer | undefined;
  private stopped = false;
  /** The pass in flight (settled when none is). */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly bounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
    @Inject(ClusterRuntime) private readonly cluster: ClusterRuntime,
  ) {}

  onModuleInit(): void {
    this.arm();
  }

  /** Stops the timer and lets a pass in flight finish before storage closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /**
   * Applies retention to every topic now and resolves with the number of records deleted. A
   * call while a pass runs waits for it and then runs its own.
   */
  runOnce(): Promise<number> {
    const pass = this.running.then(() => this.cleanAll());
    this.running = pass.catch(() => undefined);
    return pass;
  }

  private async cleanAll(): Promise<number> {
    let deleted = 0;
    for (const topic of this.topics.list()) {
      if (topic.config.retentionMs < 0 && topic.config.retentionBytes < 0) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        // In a cluster, each partition's owner trims it (the write is fenced by its lease).
        if (!this.cluster.serves(topic.id, partition)) continue;
        deleted += await this.cleanPartition(topic, partition);
      }
    }
    return deleted;
  }

  private async cleanPartition(topic: TopicRow, partition: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const state = this.bounds.partitionState(topic.id, partition);
      if (!state || state.logStartOffset === state.logEndOffset) return deleted;
      const head = await this.storage.log.summaries(
        topic.id,
        partition,
        state.logStartOffset,
        SCAN_CHUNK,
      );
      const step = planRetention(
        head,
        state.logStartOffset,
        state.bytes,
        this.clock.now(),
        topic.config,
      );
      if (step.recordsRemoved === 0) return deleted;
      const after = await this.storage.log.truncateHead(topic.id, partition, step.newStartOffset);
      const removed = after.logStartOffset - state.logStartOffset;
      if (removed <= 0) return deleted;
      this.metrics.retentionDeleted(topic.name, removed);
      deleted += removed;
      if (step.recordsRemoved < head.length) return deleted;
    }
  }

  private arm(): void {
    if (this.stopped) return;
    // The callback answers the pass (with the next arming) so that a test clock can await it.
    this.timer = this.clock.schedule(this.config.retentionIntervalMs, () =>
      this.runOnce()
        .then(
          (deleted) => {
            if (deleted > 0) this.logger.log(`retention deleted ${deleted} records`);
          },
          (error) => this.logger.error(`retention failed: ${String(error)}`),
        )
        .finally(() => this.arm()),
    );
  }
}
