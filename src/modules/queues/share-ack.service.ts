import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode, ErrorBody } from '../../common/errors';
import type { BrokerConfig } from '../../config/broker-config';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import { Archival } from './domain/in-flight-record';
import { parseReceipt, ReceiptParts } from './domain/receipt';
import { ShareGroup, sharePartitionKey } from './domain/share-group';
import { AckOutcome } from './domain/share-partition-types';
import { AckItem, ackItemSchema } from './queues.schemas';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { SharePartitionWriter } from './share-partition-writer';
import {
  AfterCommit,
  mergeEffects,
  noEffects,
  SettledPartition,
  ShareSettlement,
} from './share-settlement';

/** One acknowledgement's answer. */
export type AckResult =
  | { receipt: string; ok: true; lockExpiresAtMs?: number }
  | { receipt: unknown; ok: false; error: ErrorBody };

interface CheckedAck {
  index: number;
  item: AckItem;
  parts: ReceiptParts;
  group: ShareGroup;
}

const failure = (receipt: unknown, code: ErrorCode, message: string): AckResult => ({
  receipt,
  ok: false,
  error: { code, message },
});

/**
 * Acknowledgements (accept, release, reject, renew), answered item by item: a bad item fails
 * only itself. One request is one write, holding every share partition it names: the
 * transitions, their dead-letter copies and the start-offset moves commit together, before any
 * answer is sent.
 */
@Injectable()
export class ShareAckService {
  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareDeliveryService) private readonly delivery: ShareDeliveryService,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  /** Applies `acks`; with `groupName`, every receipt must belong to that group. */
  async acknowledge(groupName: string | undefined, acks: readonly unknown[]): Promise<AckResult[]> {
    if (acks.length > this.config.maxAckBatch) {
      throw new BrokerError(
        ErrorCode.BATCH_TOO_LARGE,
        `At most ${this.config.maxAckBatch} acknowledgements per request, got ${acks.length}`,
      );
    }
    const expected = groupName !== undefined ? await this.groups.lookup(groupName) : undefined;
    const results = new Array<AckResult>(acks.length);
    const checked: CheckedAck[] = [];
    let ofDeletedGroup = false;
    acks.forEach((raw, index) => {
      const outcome = this.check(raw, groupName, expected);
      if ('error' in outcome) {
        results[index] = outcome.error;
        ofDeletedGroup ||= outcome.ofDeletedGroup === true;
      } else checked.push({ index, ...outcome });
    });
    // A group that does not exist is 404, unless the receipts are of a deleted one: LOCK_LOST.
    if (groupName !== undefined && !expected && !ofDeletedGroup) this.groups.get(groupName);
    if (checked.length === 0) return results;
    const effects = await this.applyHolding(checked, results);
    for (const c of checked) {
      if (results[c.index]?.ok) {
        const topic = this.delivery.topicById(c.parts.topicId)?.name ?? String(c.parts.topicId);
        this.metrics.acknowledged(c.group.name, topic, c.item.type);
      }
    }
    this.delivery.afterCommit(effects);
    return results;
  }

  /** Applies the acknowledgements holding their share partitions, and writes them at once. */
  private async applyHolding(
    checked: readonly CheckedAck[],
    results: AckResult[],
  ): Promise<AfterCommit> {
    const byGroup = new Map<ShareGroup, CheckedAck[]>();
    for (const c of checked) {
      const list = byGroup.get(c.group) ?? [];
      list.push(c);
      byGroup.set(c.group, list);
    }
    const effects = noEffects();
    // Receipts of one request name one group in practice: one write per group.
    for (const [group, acks] of byGroup) {
      const refs = acks.map((c) => ({ topicId: c.parts.topicId, partition: c.parts.partition }));
      try {
        await this.writer.exclusive(group, refs, async () => {
          const now = this.clock.now();
          const local = noEffects();
          const parts = this.apply(acks, results, now, local);
          await this.writer.commit(parts, now, local);
          mergeEffects(effects, local);
        });
      } catch (error) {
        if (group.deleted) {
          // deleted while its write was in flight: nothing of it stays, as for any receipt of it
          for (const c of acks)
            results[c.index] = failure(
              c.item.receipt,
              ErrorCode.LOCK_LOST,
              'The share group of this receipt was deleted',
            );
          continue;
        }
        this.delivery.afterCommit(effects); // what earlier groups committed
        throw error;
      }
    }
    return effects;
  }

  /** Applies acknowledgements to memory; the share partitions they changed, to write. */
  private apply(
    checked: readonly CheckedAck[],
    results: AckResult[],
    now: number,
    effects: AfterCommit,
  ): SettledPartition[] {
    const touched = new Map<string, SettledPartition & { archivals: Archival[] }>();
    for (const { index, item, parts, group } of checked) {
      const state = group.deleted ? undefined : group.get(parts.topicId, parts.partition);
      if (!state) {
        results[index] = failure(
          item.receipt,
          ErrorCode.LOCK_LOST,
          'This receipt does not name the current delivery',
        );
        continue;
      }
      const key = `${group.id}/${sharePartitionKey(parts.topicId, parts.partition)}`;
      let part = touched.get(key);
      if (!part) {
        part = { group, topicId: parts.topicId, partition: parts.partition, state, archivals: [] };
        touched.set(key, part);
      }
      const outcome: AckOutcome = state.acknowledge(
        {
          offset: parts.offset,
          token: parts.token,
          type: item.type,
          ...(item.delayMs !== undefined ? { delayMs: item.delayMs } : {}),
          ...(item.lockDurationMs !== undefined ? { lockDurationMs: item.lockDurationMs } : {}),
          ...(item.error !== undefined ? { error: item.error } : {}),
        },
        now,
        group.config.lockDurationMs,
        part.archivals,
      );
      // Wake from what the acknowledgement did, never from what it asked for.
      if (outcome.madeDeliverable) effects.wakeGroups.add(group.id);
      if (!outcome.ok && outcome.lockExpired)
        this.settlement.lockExpired(effects, group, parts.topicId, 1);
      results[index] = outcome.ok
        ? {
            receipt: item.receipt,
            ok: true,
            ...(outcome.lockExpiresAtMs !== undefined
              ? { lockExpiresAtMs: outcome.lockExpiresAtMs }
              : {}),
          }
        : failure(item.receipt, ErrorCode[outcome.code], outcome.message);
    }
    return [...touched.values()];
  }

  private check(
    raw: unknown,
    groupName: string | undefined,
    expected: ShareGroup | undefined,
  ):
    | { item: AckItem; parts: ReceiptParts; group: ShareGroup }
    | { error: AckResult; ofDeletedGroup?: boolean } {
    const receipt = (raw as { receipt?: unknown } | null)?.receipt;
    const parsed = ackItemSchema.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'ack'}: ${i.message}`)
        .join('; ');
      return { error: failure(receipt, ErrorCode.INVALID_REQUEST, message) };
    }
    const item = parsed.data;
    const parts = parseReceipt(item.receipt);
    if (parts && this.groups.wasDeleted(parts.groupId)) {
      return {
        error: failure(
          item.receipt,
          ErrorCode.LOCK_LOST,
          'The share group of this receipt was deleted',
        ),
        ofDeletedGroup: true,
      };
    }
    const group = parts ? this.groups.findById(parts.groupId) : undefined;
    if (!parts || !group || (groupName !== undefined && group.id !== expected?.id)) {
      return {
        error: failure(
          item.receipt,
          ErrorCode.INVALID_RECEIPT,
          'Not a receipt of this share group',
        ),
      };
    }
    if (item.type === 'renew' && item.lockDurationMs !== undefined) {
      try {
        this.delivery.lockDuration(item.lockDurationMs);
      } catch (error) {
        if (error instanceof BrokerError)
          return { error: failure(item.receipt, error.code, error.message) };
        throw error;
      }
    }
    return { item, parts, group };
  }
}
