import { Counter, CounterConfiguration, Gauge, Histogram, Registry } from 'prom-client';
import { TrackedCounter } from './tracked-counter';

/** Offsets and size of one partition, as reported at scrape time. */
export interface PartitionSample {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  bytes: number;
}

/** A streaming consumer group, as reported at scrape time. */
export interface StreamGroupSample {
  group: string;
  members: number;
  /** Rebalances since the group was loaded. */
  rebalances: number;
  /** Topics the group reads (subscribed or committed), so that its per-topic series exist. */
  topics?: readonly string[];
}

/** A streaming consumer group's committed offset and lag in one partition. */
export interface StreamPartitionSample {
  group: string;
  topic: string;
  partition: number;
  committedOffset: number;
  /** logEndOffset - committedOffset. */
  lag: number;
}

/**
 * The broker's metrics, on a private registry. Methods are named after what happened; gauges
 * that describe state are filled at scrape time from the collectors that modules register.
 *
 * Every series of a topic or group exists from the moment it does (DESIGN §5): counters are
 * made at 0 at scrape time for the topics and groups the collectors report, and a deleted
 * topic or group has its counter series removed at once (`topicDeleted`, `streamGroupDeleted`,
 * `ShareGroupMetrics.groupDeleted`), so that one re-created under the same name starts at 0.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly collectors: Array<() => void | Promise<void>> = [];
  private readonly tracked: Array<TrackedCounter<string>> = [];

  private readonly recordsProduced = this.trackedCounter({
    name: 'weir_records_produced_total',
    help: 'Records appended to the log by producers.',
    labelNames: ['topic'],
  });
  private readonly bytesProduced = this.trackedCounter({
    name: 'weir_produced_bytes_total',
    help: 'Bytes (key, value and headers) appended to the log by producers.',
    labelNames: ['topic'],
  });
  private readonly recordsDeletedByRetention = this.trackedCounter({
    name: 'weir_retention_deleted_records_total',
    help: 'Records deleted from the head of the log by retention.',
    labelNames: ['topic'],
  });
  private readonly skippedByRetention = this.trackedCounter({
    name: 'weir_group_retention_skipped_records_total',
    help: 'Records a consumer or share group never consumed because retention deleted them first.',
    labelNames: ['group', 'topic'],
  });
  private readonly wsConnections = new Gauge({
    name: 'weir_ws_connections',
    help: 'Open WebSocket connections.',
    registers: [this.registry],
  });
  private readonly wsUnsentBytes = new Gauge({
    name: 'weir_ws_unsent_bytes',
    help: 'Bytes queued for WebSocket clients and not yet sent, over all connections.',
    registers: [this.registry],
  });
  private readonly logStartOffset = new Gauge({
    name: 'weir_log_start_offset',
    help: 'First offset still in the log, per partition.',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  private readonly logEndOffset = new Gauge({
    name: 'weir_log_end_offset',
    help: 'Next offset to be written, per partition.',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  private readonly partitionBytes = new Gauge({
    name: 'weir_partition_bytes',
    help: 'Bytes held by a partition.',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'weir_request_duration_seconds',
    help: 'Time to answer a request, by transport and operation.',
    labelNames: ['transport', 'type'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly streamGroupLag = new Gauge({
    name: 'weir_stream_group_lag',
    help: 'Records of a partition after the committed offset of a streaming consumer group.',
    labelNames: ['group', 'topic', 'partition'],
    registers: [this.registry],
  });
  private readonly streamGroupCommittedOffset = new Gauge({
    name: 'weir_stream_group_committed_offset',
    help: 'Committed offset (next offset to read) of a streaming consumer group in a partition.',
    labelNames: ['group', 'topic', 'partition'],
    registers: [this.registry],
  });
  private readonly streamGroupMembers = new Gauge({
    name: 'weir_stream_group_members',
    help: 'Members of a streaming consumer group.',
    labelNames: ['group'],
    registers: [this.registry],
  });
  private readonly streamGroupRebalances = new Counter({
    name: 'weir_stream_group_rebalances_total',
    help: 'Rebalances (new target assignments) of a streaming consumer group.',
    labelNames: ['group'],
    registers: [this.registry],
  });

  recordProduced(topic: string, records: number, bytes: number): void {
    this.recordsProduced.inc({ topic }, records);
    this.bytesProduced.inc({ topic }, bytes);
  }

  retentionDeleted(topic: string, records: number): void {
    this.recordsDeletedByRetention.inc({ topic }, records);
  }

  /** A group's position fell below the log start and jumped over `records` it had not consumed. */
  groupSkippedByRetention(group: string, topic: string, records: number): void {
    if (records > 0) this.skippedByRetention.inc({ group, topic }, records);
  }

  requestAnswered(transport: 'http' | 'ws', type: string, seconds: number): void {
    this.requestDuration.observe({ transport, type }, seconds);
  }

  /**
   * A counter on this registry whose series are made at 0 and removed with their topic or
   * group; label names are among `topic`, `group` and fixed ones such as `type`.
   */
  trackedCounter<L extends string>(
    configuration: Omit<CounterConfiguration<L>, 'registers'> & { labelNames: readonly L[] },
  ): TrackedCounter<L> {
    const counter = new TrackedCounter<L>({ ...configuration, registers: [this.registry] });
    this.tracked.push(counter);
    return counter;
  }

  /** Removes every counter series of `topic`, of every group. Call after the delete commits. */
  topicDeleted(topic: string): void {
    for (const counter of this.tracked) counter.removeWhere('topic', topic);
  }

  /** Removes the series of streaming consumer group `group`. Call after the delete commits. */
  streamGroupDeleted(group: string): void {
    this.skippedByRetention.removeWhere('group', group);
  }

  /** Makes the series of a (consumer or share) group reading `topic` exist. */
  groupReadsTopic(group: string, topic: string): void {
    this.skippedByRetention.touch({ group, topic });
  }

  /** Removes the group series this class holds for share group `group`. */
  shareGroupDeleted(group: string): void {
    this.skippedByRetention.removeWhere('group', group);
  }

  /** Replaces the per-partition gauges with `samples`; every topic sampled has its counters. */
  reportPartitions(samples: readonly PartitionSample[]): void {
    this.logStartOffset.reset();
    this.logEndOffset.reset();
    this.partitionBytes.reset();
    for (const topic of new Set(samples.map((s) => s.topic))) {
      this.recordsProduced.touch({ topic });
      this.bytesProduced.touch({ topic });
      this.recordsDeletedByRetention.touch({ topic });
    }
    for (const s of samples) {
      const labels = { topic: s.topic, partition: String(s.partition) };
      this.logStartOffset.set(labels, s.logStartOffset);
      this.logEndOffset.set(labels, s.logEndOffset);
      this.partitionBytes.set(labels, s.bytes);
    }
  }

  /** Sets the WebSocket gauges: open connections and the bytes queued for them, unsent. */
  reportWebSockets(connections: number, unsentBytes: number): void {
    this.wsConnections.set(connections);
    this.wsUnsentBytes.set(unsentBytes);
  }

  /** Replaces the streaming consumer group series with `groups` and `partitions`. */
  reportStreamGroups(
    groups: readonly StreamGroupSample[],
    partitions: readonly StreamPartitionSample[],
  ): void {
    this.streamGroupMembers.reset();
    this.streamGroupRebalances.reset();
    for (const g of groups) {
      this.streamGroupMembers.set({ group: g.group }, g.members);
      this.streamGroupRebalances.inc({ group: g.group }, g.rebalances);
      for (const topic of g.topics ?? []) this.groupReadsTopic(g.group, topic);
    }
    this.streamGroupLag.reset();
    this.streamGroupCommittedOffset.reset();
    for (const p of partitions) {
      this.groupReadsTopic(p.group, p.topic);
      const labels = { group: p.group, topic: p.topic, partition: String(p.partition) };
      this.streamGroupLag.set(labels, p.lag);
      this.streamGroupCommittedOffset.set(labels, p.committedOffset);
    }
  }

  /** Registers a callback that refreshes state gauges before each scrape. */
  addCollector(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  /** The Prometheus text exposition, state gauges freshly computed. */
  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
