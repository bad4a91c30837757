import { Inject, Injectable } from '@nestjs/common';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import type { DeadLetterAppend, SharePartitionWrite } from '../../persistence/port/share-storage';
import { Storage } from '../../persistence/port/storage';
import type { TopicRow } from '../../persistence/port/rows';
import { DeadLetterPosition, LINEAGE } from '../dlq/dead-letter-lineage';
import { LogWaiters, partitionKey } from '../topics/log-waiters';
import { TopicsService } from '../topics/topics.service';
import { Archival, DeadLetterReason } from './domain/in-flight-record';
import { ShareGroup } from './domain/share-group';
import { deadLetterTopicFor } from './domain/share-group-config';
import { SharePartition } from './domain/share-partition';

/** The waiters key that wakes receivers of a share group (release, expiry, delay due). */
export const shareGroupKey = (groupId: number): string => `share:${groupId}`;

/**
 * Effects of a write that follow its commit, and only its commit: wake-ups, the readers of
 * dead-letter partitions, metrics. Collected while memory changes, applied by `afterCommit`.
 */
export interface AfterCommit {
  /** Ids of the share groups whose waiting receivers must be woken. */
  wakeGroups: Set<number>;
  deadLettered: DeadLetterPosition[];
  archived: Array<{ group: string; topic: string; reason: DeadLetterReason }>;
  lockExpirations: Array<{ group: string; topic: string; count: number }>;
}

export const noEffects = (): AfterCommit => ({
  wakeGroups: new Set(),
  deadLettered: [],
  archived: [],
  lockExpirations: [],
});

/** Adds `from` to `into` (a write that committed as part of a larger operation). */
export function mergeEffects(into: AfterCommit, from: AfterCommit): void {
  for (const id of from.wakeGroups) into.wakeGroups.add(id);
  into.deadLettered.push(...from.deadLettered);
  into.archived.push(...from.archived);
  into.lockExpirations.push(...from.lockExpirations);
}

/** One share partition whose memory changed: what to write for it. */
export interface SettledPartition {
  group: ShareGroup;
  topicId: number;
  partition: number;
  state: SharePartition;
  /** Records it archived, to copy to the dead-letter topic in the same write. */
  archivals: readonly Archival[];
}

/** One storage write, ready to send, and the effects that follow its commit. */
export interface PreparedWrite {
  writes: SharePartitionWrite[];
  deadLetters: DeadLetterAppend[];
  /** The dead-letter topic of each of `deadLetters`. */
  targets: TopicRow[];
  effects: AfterCommit;
}

/**
 * The shell around share partitions' outcomes: it turns their changes (compact state runs) and
 * archivals (dead-letter copies) into ONE atomic `storage.shares.write`, and after the commit
 * wakes receivers and counts metrics. Dead-letter topics are ensured before the write; a
 * missing one (auto-create off) fails the write like any other error.
 */
@Injectable()
export class ShareSettlement {
  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
  ) {}

  /**
   * Writes the changes of `parts` and the dead-letter copies of their archivals in one
   * transaction; their effects go to `effects`, to be applied once this resolved. Rejects
   * without writing anything when a dead-letter topic cannot be had or the write fails.
   */
  async write(
    parts: readonly SettledPartition[],
    nowMs: number,
    effects: AfterCommit,
  ): Promise<void> {
    await this.send(await this.prepare(parts, nowMs), effects);
  }

  /**
   * What `write` sends: takes the parts' changes and ensures their dead-letter topics (awaiting
   * their creation), which rejects when one cannot be had (nothing was sent then). The caller
   * holds the parts' share partitions meanwhile.
   */
  async prepare(parts: readonly SettledPartition[], nowMs: number): Promise<PreparedWrite> {
    await this.ensureDeadLetterTopics(parts);
    return this.prepareNow(parts, nowMs);
  }

  /** Creates the dead-letter topics `parts` archive to that this node does not know yet. */
  private async ensureDeadLetterTopics(parts: readonly SettledPartition[]): Promise<void> {
    for (const part of parts) {
      if (part.archivals.length === 0) continue;
      const topic = this.topics.findById(part.topicId);
      const target = topic && deadLetterTopicFor(part.group.name, part.group.config, topic.name);
      if (target && !this.topics.find(target)) await this.topics.getOrCreate(target);
    }
  }

  /** `prepare` once the dead-letter topics exist: takes the parts' changes, synchronously. */
  private prepareNow(parts: readonly SettledPartition[], nowMs: number): PreparedWrite {
    const prepared: PreparedWrite = {
      writes: [],
      deadLetters: [],
      targets: [],
      effects: noEffects(),
    };
    for (const part of parts) {
      this.deadLetter(part, nowMs, prepared);
      const changes = part.state.takeChanges();
      if (changes.runs.length === 0 && !changes.startMoved && !changes.resetAll) continue;
      prepared.writes.push({
        groupId: part.group.id,
        topicId: part.topicId,
        partition: part.partition,
        startOffset: changes.startOffset,
        endOffset: changes.endOffset,
        resetAll: changes.resetAll,
        batches: changes.runs,
      });
    }
    return prepared;
  }

  /** Sends a prepared write; once committed, its effects join `effects`. */
  async send(prepared: PreparedWrite, effects: AfterCommit): Promise<void> {
    const { writes, deadLetters, targets } = prepared;
    if (writes.length > 0 || deadLetters.length > 0) {
      const offsets = await this.storage.shares.write(writes, deadLetters);
      offsets.forEach((offset, i) =>
        prepared.effects.deadLettered.push({
          topic: targets[i]!,
          partition: deadLetters[i]!.target.partition,
          offset,
        }),
      );
    }
    mergeEffects(effects, prepared.effects);
  }

  /**
   * Notes `count` expired locks, to be counted once committed: the one way every path that
   * finds an expired lock (the timer, a receive, a late acknowledgement) counts it.
   */
  lockExpired(effects: AfterCommit, group: ShareGroup, topicId: number, count: number): void {
    if (count > 0)
      effects.lockExpirations.push({ group: group.name, topic: this.topicName(topicId), count });
  }

  /** Wakes receivers and dead-letter readers and counts metrics, once a write committed. */
  afterCommit(effects: AfterCommit): void {
    for (const id of effects.wakeGroups) this.waiters.notify(shareGroupKey(id));
    for (const p of effects.deadLettered)
      this.waiters.notify(partitionKey(p.topic.id, p.partition));
    for (const a of effects.archived) this.metrics.deadLetteredRecord(a.group, a.topic, a.reason);
    for (const e of effects.lockExpirations) this.metrics.locksExpired(e.group, e.topic, e.count);
  }

  topicName(topicId: number): string {
    return this.topics.findById(topicId)?.name ?? String(topicId);
  }

  /** The dead-letter copies of `part`'s archivals (throws when their topic is gone). */
  private deadLetter(part: SettledPartition, nowMs: number, prepared: PreparedWrite): void {
    const { deadLetters, targets, effects } = prepared;
    const { group, partition } = part;
    const topic = this.topics.findById(part.topicId);
    for (const archival of part.archivals) {
      const targetName = topic ? deadLetterTopicFor(group.name, group.config, topic.name) : null;
      if (topic && targetName !== null) {
        const target = this.topics.get(targetName);
        const lineage: Array<[string, string]> = [
          [LINEAGE.sourceTopic, topic.name],
          [LINEAGE.sourcePartition, String(partition)],
          [LINEAGE.sourceOffset, String(archival.offset)],
          [LINEAGE.group, group.name],
          [LINEAGE.deliveryCount, String(archival.deliveryCount)],
          [LINEAGE.reason, archival.reason],
          [LINEAGE.deadLetteredAt, String(nowMs)],
        ];
        if (archival.error !== undefined) lineage.push([LINEAGE.error, archival.error]);
        deadLetters.push({
          source: { topicId: topic.id, partition, offset: archival.offset, topicName: topic.name },
          target: { topicId: target.id, partition: partition % target.partitions },
          lineage,
          reason: archival.reason,
          deadLetteredAtMs: nowMs,
        });
        targets.push(target);
      }
      effects.archived.push({
        group: group.name,
        topic: this.topicName(part.topicId),
        reason: archival.reason,
      });
    }
  }
}
