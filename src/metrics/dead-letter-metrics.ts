import { Gauge } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';
import { DEAD_LETTER_REASONS } from './metric-labels';

/** A dead-letter topic's contents at scrape time. */
export interface DeadLetterTopicSample {
  topic: string;
  records: number;
  oldestAgeMs: number | null;
  byReason: Record<string, number>;
}

/**
 * Dead-letter topic sizes, on the broker's private registry. Every dead-letter topic collected
 * (the dead-letter service lists those a share group names before any record reaches them) has a
 * series for every reason, at 0 while empty.
 */
export class DeadLetterMetrics {
  private readonly records: Gauge;
  private readonly oldestAge: Gauge;

  constructor(private readonly broker: BrokerMetrics) {
    this.records = new Gauge({
      name: 'weir_dead_letter_topic_records',
      help: 'Records held by a dead-letter topic, by reason.',
      labelNames: ['topic', 'reason'],
      registers: [broker.registry],
    });
    this.oldestAge = new Gauge({
      name: 'weir_dead_letter_topic_oldest_age_seconds',
      help: 'Age of the oldest record held by a dead-letter topic.',
      labelNames: ['topic'],
      registers: [broker.registry],
    });
  }

  /** Refreshes the gauges from `collect()` before every scrape. */
  collectFrom(collect: () => DeadLetterTopicSample[] | Promise<DeadLetterTopicSample[]>): void {
    this.broker.addCollector(async () => {
      const collected = await collect();
      this.records.reset();
      this.oldestAge.reset();
      for (const t of collected) {
        for (const reason of DEAD_LETTER_REASONS) this.records.set({ topic: t.topic, reason }, 0);
        for (const [reason, n] of Object.entries(t.byReason))
          this.records.set({ topic: t.topic, reason }, n);
        this.oldestAge.set({ topic: t.topic }, (t.oldestAgeMs ?? 0) / 1000);
      }
    });
  }
}
