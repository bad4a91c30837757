import { Logger } from '@nestjs/common';
import type { CallerContext } from '../../cluster/produce-router';
import { isOwnershipMiss } from '../../cluster/partition-dispatch';
import type { ReceiveRouter, RemoteRecords } from '../../cluster/receive-router';
import type { GatherSource } from '../../cluster/share-gather';
import { BrokerError, ErrorCode } from '../../common/errors';
import { joinJsonArrays } from '../../common/record-wire';
import { LogWaiters } from '../topics/log-waiters';
import { ShareGroup } from './domain/share-group';
import { ShareDeliveryService } from './share-delivery.service';
import { DeliveredRef } from './share-delivery.types';

/** What a share subscription asks for, every round. */
export interface IntakeRequest {
  memberId: string;
  topics: string[] | undefined;
  lockDurationMs: number | undefined;
  /** Ends a wait here when notified (credit granted, the subscription closing). */
  wakeKey: string;
  /** Longest wait of one round when nothing is deliverable. Ms. */
  waitMs: number;
}

/**
 * Records acquired for one round of a subscription, as one JSON array: those of this node's
 * share partitions (`local`, with their delivery tokens) and those acquired at other owners.
 */
export interface IntakeBatch {
  records: Buffer;
  count: number;
  local: DeliveredRef[];
  remote: RemoteRecords[];
}

/** Where a share subscription acquires its records, and how it gives them back. */
export interface ShareIntake {
  /**
   * Acquires up to `maxRecords`, waiting up to `waitMs` when nothing is deliverable; answers
   * empty at once when `cancelled()` says so after a wake-up.
   */
  receive(maxRecords: number, cancelled: () => boolean): Promise<IntakeBatch>;
  /** Gives back records acquired and never sent: their delivery count is restored. */
  giveBack(batch: IntakeBatch): Promise<void>;
  /** Ends the attempts of everything the member holds (the subscription closed). */
  releaseMember(): Promise<void>;
  /** Ends a wait in progress (the subscription is closing). */
  stop(): void;
}

/** A subscription's records from this node's share partitions: a single node, SQLite. */
export class LocalShareIntake implements ShareIntake {
  constructor(
    private readonly group: ShareGroup,
    private readonly request: IntakeRequest,
    private readonly delivery: ShareDeliveryService,
  ) {}

  async receive(maxRecords: number, cancelled: () => boolean): Promise<IntakeBatch> {
    const { memberId, topics, lockDurationMs, wakeKey, waitMs } = this.request;
    const delivery = await this.delivery.receiveFrom(this.group, {
      memberId,
      maxRecords,
      waitMs,
      wakeKey,
      cancelled,
      ...(topics ? { topics } : {}),
      ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
    });
    const local = delivery.delivered;
    return { records: delivery.records, count: local.length, local, remote: [] };
  }

  giveBack(batch: IntakeBatch): Promise<void> {
    return this.delivery.releaseUnsent(this.group, batch.local);
  }

  releaseMember(): Promise<void> {
    return this.delivery.releaseMember(this.group, this.request.memberId);
  }

  stop(): void {
    // the subscription's wake key ends the wait here
  }
}

type LocalRecords = { records: Buffer; count: number; delivered: DeliveredRef[] };

/** Pause before a subscription's next round after a transient failure. Ms. */
const RETRY_PAUSE_MS = 1_000;

/** A failure that passes by itself: no owner now, an owner unreachable, the database away. */
function isTransient(error: unknown): boolean {
  return (
    isOwnershipMiss(error) ||
    (error instanceof BrokerError && error.code === ErrorCode.STORAGE_UNAVAILABLE)
  );
}

/**
 * A subscription's records in a cluster (DESIGN §7 "Routing"): from every owner of the
 * group's partitions, through the `ReceiveRouter` (this node's share partitions acquired here,
 * the others' by long-polls forwarded to their owners with the subscription's `memberId`),
 * each owner first in turn. What it could not send, or an owner acquired after another
 * answered, is given back where it was acquired; at close, the member's records are released
 * at every owner it received from and every owner of the group's partitions now.
 */
export class GatheredShareIntake implements ShareIntake {
  private readonly logger = new Logger('ShareSubscription');
  private readonly closing = new AbortController();
  /** Owners this subscription received records from: nodeId → url. */
  private readonly contacted = new Map<string, string>();

  constructor(
    private readonly group: ShareGroup,
    private readonly request: IntakeRequest,
    private readonly delivery: ShareDeliveryService,
    private readonly waiters: LogWaiters,
    private readonly router: ReceiveRouter,
    private readonly caller: CallerContext,
  ) {}

  async receive(maxRecords: number, cancelled: () => boolean): Promise<IntakeBatch> {
    if (cancelled()) return batchOf([]);
    const { memberId, topics, lockDurationMs, waitMs } = this.request;
    let parts: Array<LocalRecords | RemoteRecords>;
    try {
      parts = await this.router.gather(
        this.group.name,
        {
          memberId,
          ...(topics ? { topics } : {}),
          ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
        },
        this.localSource(cancelled),
        maxRecords,
        waitMs,
        this.caller,
        {
          signal: this.closing.signal,
          rotateAll: true,
          late: (part) => void this.giveBack(batchOf([part], this.contacted)),
        },
      );
    } catch (error) {
      if (!isTransient(error)) throw error;
      // A takeover or a database fail-over under way: try again after a pause, not in a loop.
      this.logger.warn(`receiving for a subscription failed, retrying: ${String(error)}`);
      await this.waiters.waitForAny([this.request.wakeKey], RETRY_PAUSE_MS);
      return batchOf([]);
    }
    return batchOf(parts, this.contacted);
  }

  async giveBack(batch: IntakeBatch): Promise<void> {
    await Promise.all([
      this.delivery.releaseUnsent(this.group, batch.local),
      ...batch.remote.map((part) => {
        const receipts = (JSON.parse(part.records.toString('utf8')) as Array<{ receipt: string }>)
          .map((r) => r.receipt)
          .filter((receipt) => typeof receipt === 'string');
        return this.atOwner(part.url, receipts);
      }),
    ]);
  }

  async releaseMember(): Promise<void> {
    const owners = new Map(this.contacted);
    try {
      const topics = this.request.topics;
      for (const owner of this.router.remoteOwners(this.group.name, topics ? { topics } : {})) {
        owners.set(owner.nodeId, owner.url);
      }
    } catch {
      // the group is gone: the owners it was received from are all there is to tell
    }
    await Promise.all([
      this.delivery.releaseMember(this.group, this.request.memberId),
      ...[...owners.values()].map((url) => this.atOwner(url, undefined)),
    ]);
  }

  stop(): void {
    this.closing.abort();
  }

  /** This node's share partitions as one source of a gathered round. */
  private localSource(cancelled: () => boolean): GatherSource<LocalRecords> {
    const { memberId, topics, lockDurationMs, wakeKey } = this.request;
    return {
      nodeId: '',
      receive: async (max, wait, signal) => {
        // a wait here ends when the round ends elsewhere (another owner answered, a close)
        const wake = (): void => this.waiters.notify(wakeKey);
        signal.addEventListener('abort', wake, { once: true });
        try {
          const got = await this.delivery.receiveFrom(this.group, {
            memberId,
            maxRecords: max,
            waitMs: wait,
            wakeKey,
            cancelled: () => signal.aborted || cancelled(),
            ...(topics ? { topics } : {}),
            ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
          });
          return { records: got.records, count: got.delivered.length, delivered: got.delivered };
        } finally {
          signal.removeEventListener('abort', wake);
        }
      },
    };
  }

  /** Releases at one owner; a failure leaves the records to their lock expiry (logged). */
  private async atOwner(url: string, unsent: string[] | undefined): Promise<void> {
    try {
      await this.router.releaseAt(url, this.group.name, this.request.memberId, unsent, this.caller);
    } catch (error) {
      this.logger.warn(
        `giving back records at ${url} failed (they wait for their locks to expire): ${String(error)}`,
      );
    }
  }
}

/** The parts of one gathered round as one batch; notes the owners that answered records. */
function batchOf(
  parts: ReadonlyArray<LocalRecords | RemoteRecords>,
  contacted?: Map<string, string>,
): IntakeBatch {
  const local: DeliveredRef[] = [];
  const remote: RemoteRecords[] = [];
  let count = 0;
  for (const part of parts) {
    count += part.count;
    if ('delivered' in part) local.push(...part.delivered);
    else {
      remote.push(part);
      contacted?.set(part.nodeId, part.url);
    }
  }
  const records =
    parts.length === 1 ? parts[0]!.records : joinJsonArrays(parts.map((part) => part.records));
  return { records, count, local, remote };
}
