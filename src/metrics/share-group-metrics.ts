import { Counter, Gauge } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';

/** One share partition's state at scrape time. */
export interface SharePartitionSample {
  group: string;
  topic: string;
  partition: number;
  available: number;
  acquired: number;
  acknowledged: number;
  archived: number;
  lag: number;
  oldestAvailableAgeMs: number | null;
}

/** Share-group (queue) metrics, on the broker's private registry. */
export class ShareGroupMetrics {
  private readonly deliveries: Counter;
  private readonly redeliveries: Counter;
  private readonly lockExpirations: Counter;
  private readonly expiryFailures: Counter;
  private readonly acknowledgements: Counter;
  private readonly deadLettered: Counter;
  private readonly lag: Gauge;
  private readonly records: Gauge;
  private readonly oldestAvailableAge: Gauge;

  constructor(private readonly broker: BrokerMetrics) {
    const registers = [broker.registry];
    const labelNames = ['group', 'topic'];
    this.deliveries = new Counter({
      name: 'weir_share_deliveries_total',
      help: 'Records handed to share-group workers (first deliveries and redeliveries).',
      labelNames,
      registers,
    });
    this.redeliveries = new Counter({
      name: 'weir_share_redeliveries_total',
      help: 'Deliveries of a record that had been delivered before (deliveryCount > 1).',
      labelNames,
      registers,
    });
    this.lockExpirations = new Counter({
      name: 'weir_share_lock_expirations_total',
      help: 'Acquisition locks that expired without an acknowledgement.',
      labelNames,
      registers,
    });
    this.expiryFailures = new Counter({
      name: 'weir_share_expiry_failures_total',
      help: 'Records whose lock expiry or dead-lettering could not be written (e.g. their dead-letter topic is gone), once per record and delivery; they stay as they are and are retried.',
      labelNames,
      registers,
    });
    this.acknowledgements = new Counter({
      name: 'weir_share_acknowledgements_total',
      help: 'Acknowledgements applied, by type (accept, release, reject, renew).',
      labelNames: ['group', 'topic', 'type'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'weir_dead_lettered_records_total',
      help: 'Records archived and copied to a dead-letter topic (or archived only when disabled), by reason.',
      labelNames: ['group', 'topic', 'reason'],
      registers,
    });
    this.lag = new Gauge({
      name: 'weir_share_group_lag',
      help: 'Records of a share partition not yet done: log end - start offset - terminal records above it.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.records = new Gauge({
      name: 'weir_share_group_records',
      help: 'Records of a share partition by state (available includes records not fetched yet).',
      labelNames: ['group', 'topic', 'partition', 'state'],
      registers,
    });
    this.oldestAvailableAge = new Gauge({
      name: 'weir_share_group_oldest_available_age_seconds',
      help: 'Age of the oldest record waiting for delivery, by its timestamp.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
  }

  delivered(group: string, topic: string, records: number, redelivered: number): void {
    this.deliveries.inc({ group, topic }, records);
    if (redelivered > 0) this.redeliveries.inc({ group, topic }, redelivered);
  }

  locksExpired(group: string, topic: string, count: number): void {
    if (count > 0) this.lockExpirations.inc({ group, topic }, count);
  }

  expiryFailed(group: string, topic: string, records: number): void {
    if (records > 0) this.expiryFailures.inc({ group, topic }, records);
  }

  acknowledged(group: string, topic: string, type: string): void {
    this.acknowledgements.inc({ group, topic, type });
  }

  deadLetteredRecord(group: string, topic: string, reason: string): void {
    this.deadLettered.inc({ group, topic, reason });
  }

  /** Refreshes the state gauges from `collect()` before every scrape. */
  collectFrom(collect: () => SharePartitionSample[]): void {
    this.broker.addCollector(() => {
      this.lag.reset();
      this.records.reset();
      this.oldestAvailableAge.reset();
      for (const s of collect()) {
        const labels = { group: s.group, topic: s.topic, partition: String(s.partition) };
        this.expiryFailures.inc({ group: s.group, topic: s.topic }, 0);
        this.lag.set(labels, s.lag);
        for (const state of ['available', 'acquired', 'acknowledged', 'archived'] as const) {
          this.records.set({ ...labels, state }, s[state]);
        }
        this.oldestAvailableAge.set(labels, (s.oldestAvailableAgeMs ?? 0) / 1000);
      }
    });
  }
}
