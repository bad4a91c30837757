import { Gauge } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';
import {
  DEAD_LETTER_REASONS,
  DeadLetterReasonLabel,
  SHARE_ACK_TYPES,
  ShareAckType,
} from './metric-labels';
import { TrackedCounter } from './tracked-counter';

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
  /** Only for a group with ordering `key`: fetched records waiting on an earlier one of their key. */
  keyWaiting?: number;
  /** Only for a group with ordering `key`: distinct keys with a record not finished. */
  keysInFlight?: number;
}

type GroupTopic = 'group' | 'topic';

/**
 * Share-group (queue) metrics, on the broker's private registry. Counters of a (group, topic)
 * exist at 0 once a scrape has seen the group's share partitions of that topic, and go with
 * the group (`groupDeleted`) or the topic (`BrokerMetrics.topicDeleted`).
 */
export class ShareGroupMetrics {
  private readonly deliveries: TrackedCounter<GroupTopic>;
  private readonly redeliveries: TrackedCounter<GroupTopic>;
  private readonly lockExpirations: TrackedCounter<GroupTopic>;
  private readonly expiryFailures: TrackedCounter<GroupTopic>;
  private readonly acknowledgements: TrackedCounter<GroupTopic | 'type'>;
  private readonly deadLettered: TrackedCounter<GroupTopic | 'reason'>;
  private readonly lag: Gauge;
  private readonly records: Gauge;
  private readonly oldestAvailableAge: Gauge;
  private readonly keyBlocked: Gauge;
  private readonly keysInFlight: Gauge;

  constructor(private readonly broker: BrokerMetrics) {
    const registers = [broker.registry];
    const labelNames = ['group', 'topic'] as const;
    this.deliveries = broker.trackedCounter({
      name: 'weir_share_deliveries_total',
      help: 'Records handed to share-group workers (first deliveries and redeliveries).',
      labelNames,
    });
    this.redeliveries = broker.trackedCounter({
      name: 'weir_share_redeliveries_total',
      help: 'Deliveries of a record that had been delivered before (deliveryCount > 1).',
      labelNames,
    });
    this.lockExpirations = broker.trackedCounter({
      name: 'weir_share_lock_expirations_total',
      help: 'Acquisition locks that expired without an acknowledgement.',
      labelNames,
    });
    this.expiryFailures = broker.trackedCounter({
      name: 'weir_share_expiry_failures_total',
      help: 'Records whose lock expiry or dead-lettering could not be written (e.g. their dead-letter topic is gone), once per record and delivery; they stay as they are and are retried.',
      labelNames,
    });
    this.acknowledgements = broker.trackedCounter({
      name: 'weir_share_acknowledgements_total',
      help: 'Acknowledgements applied, by type (accept, release, reject, renew).',
      labelNames: ['group', 'topic', 'type'] as const,
    });
    this.deadLettered = broker.trackedCounter({
      name: 'weir_dead_lettered_records_total',
      help: 'Records archived and copied to a dead-letter topic (or archived only when disabled), by reason.',
      labelNames: ['group', 'topic', 'reason'] as const,
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
    this.keyBlocked = new Gauge({
      name: 'weir_share_key_blocked_records',
      help: 'Records of a share partition with ordering "key" waiting for an earlier record of their key to finish.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.keysInFlight = new Gauge({
      name: 'weir_share_keys_in_flight',
      help: 'Distinct keys of a share partition with ordering "key" that have a record not finished.',
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

  acknowledged(group: string, topic: string, type: ShareAckType): void {
    this.acknowledgements.inc({ group, topic, type });
  }

  deadLetteredRecord(group: string, topic: string, reason: DeadLetterReasonLabel): void {
    this.deadLettered.inc({ group, topic, reason });
  }

  /** Removes every series of share group `group`. Call after the delete commits. */
  groupDeleted(group: string): void {
    for (const counter of [
      this.deliveries,
      this.redeliveries,
      this.lockExpirations,
      this.expiryFailures,
      this.acknowledgements,
      this.deadLettered,
    ]) {
      counter.removeWhere('group', group);
    }
    this.broker.shareGroupDeleted(group);
  }

  /**
   * Refreshes the state gauges from `collect()` before every scrape, and makes the counters of
   * every (group, topic) sampled, or named by `groupTopics()`, exist (in a cluster a node
   * samples only the share partitions it owns, but counts for every topic of its groups).
   */
  collectFrom(
    collect: () => SharePartitionSample[] | Promise<SharePartitionSample[]>,
    groupTopics: () => Array<{ group: string; topic: string }> = () => [],
  ): void {
    this.broker.addCollector(async () => {
      const samples = await collect();
      for (const { group, topic } of groupTopics()) this.groupReadsTopic(group, topic);
      this.lag.reset();
      this.records.reset();
      this.oldestAvailableAge.reset();
      this.keyBlocked.reset();
      this.keysInFlight.reset();
      const pairs = new Map(samples.map((s) => [`${s.group}\n${s.topic}`, s]));
      for (const s of pairs.values()) this.groupReadsTopic(s.group, s.topic);
      for (const s of samples) {
        const labels = { group: s.group, topic: s.topic, partition: String(s.partition) };
        this.lag.set(labels, s.lag);
        for (const state of ['available', 'acquired', 'acknowledged', 'archived'] as const) {
          this.records.set({ ...labels, state }, s[state]);
        }
        this.oldestAvailableAge.set(labels, (s.oldestAvailableAgeMs ?? 0) / 1000);
        if (s.keyWaiting !== undefined) this.keyBlocked.set(labels, s.keyWaiting);
        if (s.keysInFlight !== undefined) this.keysInFlight.set(labels, s.keysInFlight);
      }
    });
  }

  private groupReadsTopic(group: string, topic: string): void {
    this.deliveries.touch({ group, topic });
    this.redeliveries.touch({ group, topic });
    this.lockExpirations.touch({ group, topic });
    this.expiryFailures.touch({ group, topic });
    for (const type of SHARE_ACK_TYPES) this.acknowledgements.touch({ group, topic, type });
    for (const reason of DEAD_LETTER_REASONS) this.deadLettered.touch({ group, topic, reason });
    this.broker.groupReadsTopic(group, topic);
  }
}
