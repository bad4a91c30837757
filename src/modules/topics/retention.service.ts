import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock, ScheduledTimer } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicRow, TopicStore } from '../../persistence/topic.store';
import { planRetention } from './domain/retention-plan';
import { TopicsService } from './topics.service';

const SCAN_CHUNK = 1000;

/**
 * The background retention cleaner: every `retentionIntervalMs` on the clock it deletes records
 * beyond each topic's time and size limits from the head of each partition.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer: ScheduledTimer | undefined;
  private stopped = false;

  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
  ) {}

  onModuleInit(): void {
    this.arm();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Applies retention to every topic now; returns the number of records deleted. */
  runOnce(): number {
    let deleted = 0;
    for (const topic of this.topics.list()) {
      if (topic.config.retentionMs < 0 && topic.config.retentionBytes < 0) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        deleted += this.cleanPartition(topic, partition);
      }
    }
    return deleted;
  }

  private cleanPartition(topic: TopicRow, partition: number): number {
    let deleted = 0;
    for (;;) {
      const state = this.topicStore.partitionState(topic.id, partition);
      if (!state || state.logStartOffset === state.logEndOffset) return deleted;
      const head = this.log.summaries(topic.id, partition, state.logStartOffset, SCAN_CHUNK);
      const step = planRetention(
        head,
        state.logStartOffset,
        state.bytes,
        this.clock.now(),
        topic.config,
      );
      if (step.recordsRemoved === 0) return deleted;
      this.log.truncateHead(topic.id, partition, step.newStartOffset, step.bytesRemoved);
      this.metrics.retentionDeleted(topic.name, step.recordsRemoved);
      deleted += step.recordsRemoved;
      if (step.recordsRemoved < head.length) return deleted;
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.schedule(this.config.retentionIntervalMs, () => {
      try {
        const deleted = this.runOnce();
        if (deleted > 0) this.logger.log(`retention deleted ${deleted} records`);
      } catch (error) {
        this.logger.error(`retention failed: ${String(error)}`);
      }
      this.arm();
    });
  }
}
