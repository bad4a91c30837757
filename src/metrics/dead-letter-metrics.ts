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
 * Dead-letter topic sizes, on the broker's private registry. Every dead-letter topic has a
 * series for every reason, at 0 while empty, including one no record has reached yet.
 */
export class DeadLetterMetrics {
  private readonly records: Gauge;
  private readonly oldestAge: Gauge;
  private readonly namedTopics: Array<() => Iterable<string>> = [];

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

  /**
   * Adds a source of the names of existing topics that are dead-letter topics before any record
   * reaches them (those a share group's settings name), read at every scrape.
   */
  includeTopics(names: () => Iterable<string>): void {
    this.namedTopics.push(names);
  }

  /** Refreshes the gauges from `collect()` before every scrape. */
  collectFrom(collect: () => DeadLetterTopicSample[] | Promise<DeadLetterTopicSample[]>): void {
    this.broker.addCollector(async () => {
      const collected = await collect();
      this.records.reset();
      this.oldestAge.reset();
      const samples = new Map(collected.map((t) => [t.topic, t]));
      for (const source of this.namedTopics) {
        for (const topic of source()) {
          if (!samples.has(topic))
            samples.set(topic, { topic, records: 0, oldestAgeMs: null, byReason: {} });
        }
      }
      for (const t of samples.values()) {
        for (const reason of DEAD_LETTER_REASONS) this.records.set({ topic: t.topic, reason }, 0);
        for (const [reason, n] of Object.entries(t.byReason))
          this.records.set({ topic: t.topic, reason }, n);
        this.oldestAge.set({ topic: t.topic }, (t.oldestAgeMs ?? 0) / 1000);
      }
    });
  }
}
