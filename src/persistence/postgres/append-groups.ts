import { NotPartitionOwnerError } from '../../cluster/lease-store';
import { MissingPartitionError, PartitionAppend } from '../port/log-storage';
import { StorageClosedError, StorageUnavailableError } from './postgres-errors';

/**
 * Commits the appends of one group in one transaction, all or nothing; resolves with each
 * append's base offsets (one per batch, in the order given), appends in the order given.
 */
export type CommitGroup = (
  appends: ReadonlyArray<readonly PartitionAppend[]>,
) => Promise<number[][]>;

/** How appends are grouped into transactions. */
export interface AppendGroupOptions {
  /** Group transactions in flight at once; appends that arrive meanwhile wait and merge. */
  maxInFlight: number;
  /** A group stops growing at this many records (one append is never split). */
  maxGroupRecords: number;
  /** A group stops growing at this many record bytes (one append is never split). */
  maxGroupBytes: number;
}

export const DEFAULT_APPEND_GROUP_OPTIONS: AppendGroupOptions = {
  maxInFlight: 2,
  maxGroupRecords: 10_000,
  maxGroupBytes: 16 * 1024 * 1024,
};

interface PendingAppend {
  batches: readonly PartitionAppend[];
  records: number;
  bytes: number;
  resolve: (bases: number[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of the log's appends (DESIGN §8, as the SQLite engine does it): while
 * `maxInFlight` transactions are in flight, the appends that arrive wait, and the next free
 * slot commits every waiting append (up to the group's size bounds) in one transaction, so
 * that concurrent produce requests share one commit. Each append is still fenced and all or
 * nothing, and its promise settles only after its group's transaction committed or failed.
 *
 * Fates stay per append: a group that fails because of one partition (its lease is not held:
 * `NotPartitionOwnerError`; it does not exist: `MissingPartitionError`) fails the appends that
 * touch that partition and commits the others in a new transaction; any other failure of a
 * transaction that surely rolled back runs each append of the group alone, so that it fails
 * only its own caller. A failure whose outcome may be a commit (`StorageUnavailableError`) or
 * a closed storage fails every append of the group: none of them is answered as written.
 */
export class AppendGroups {
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly commit: CommitGroup,
    private readonly options: AppendGroupOptions = DEFAULT_APPEND_GROUP_OPTIONS,
  ) {}

  /** Queues `batches` as one append; resolves with each batch's base offset once committed. */
  append(batches: readonly PartitionAppend[]): Promise<number[]> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    let records = 0;
    let bytes = 0;
    for (const batch of batches) {
      records += batch.records.length;
      for (const record of batch.records) bytes += record.sizeBytes;
    }
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ batches, records, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Refuses new appends, commits the queued ones, and resolves when none is in flight. */
  close(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight += 1;
      void this.settle(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  /** The waiting appends from the head of the queue, within the group's bounds (at least one). */
  private takeGroup(): PendingAppend[] {
    const { maxGroupRecords, maxGroupBytes } = this.options;
    let count = 1;
    let records = this.queue[0]!.records;
    let bytes = this.queue[0]!.bytes;
    for (; count < this.queue.length; count++) {
      const next = this.queue[count]!;
      if (records + next.records > maxGroupRecords || bytes + next.bytes > maxGroupBytes) break;
      records += next.records;
      bytes += next.bytes;
    }
    return this.queue.splice(0, count);
  }

  /** Commits `group`, settling every append of it; never rejects. */
  private async settle(group: readonly PendingAppend[]): Promise<void> {
    let pending = group;
    // Each round either settles every append left or fails at least one: bounded by the group.
    for (let round = 0; round <= group.length && pending.length > 0; round++) {
      try {
        const bases = await this.commit(pending.map((p) => p.batches));
        pending.forEach((p, i) => p.resolve(bases[i]!));
        return;
      } catch (error) {
        if (pending.length === 1 || !surelyRolledBack(error)) {
          for (const p of pending) p.reject(error);
          return;
        }
        const culprit = culpritPartition(error);
        if (culprit === null) {
          for (const p of pending) await this.settle([p]);
          return;
        }
        const failing = pending.filter((p) => touches(p, culprit));
        if (failing.length === 0) {
          for (const p of pending) p.reject(error);
          return;
        }
        for (const p of failing) p.reject(error);
        pending = pending.filter((p) => !touches(p, culprit));
      }
    }
  }
}

/** False for a failure whose transaction may have committed, or a closed storage. */
function surelyRolledBack(error: unknown): boolean {
  return !(error instanceof StorageUnavailableError) && !(error instanceof StorageClosedError);
}

/** The one partition a failure is about, or null. */
function culpritPartition(error: unknown): { topicId: number; partition: number } | null {
  if (error instanceof NotPartitionOwnerError || error instanceof MissingPartitionError) {
    return { topicId: error.topicId, partition: error.partition };
  }
  return null;
}

function touches(append: PendingAppend, at: { topicId: number; partition: number }): boolean {
  return append.batches.some((b) => b.topicId === at.topicId && b.partition === at.partition);
}
