import { Database } from './database';

interface PendingWork {
  work: () => unknown;
  onRollback: (() => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: work submitted close together (within one turn of the event loop) runs in one
 * SQLite transaction, each item in its own savepoint so one failing item does not undo the
 * others. Each promise settles only after the shared transaction has committed, so a caller
 * that awaits `submit` knows its writes are durable.
 */
export class GroupCommit {
  private pending: PendingWork[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly maxItemsPerTransaction = 10_000,
  ) {}

  /**
   * Runs `work` inside the next shared transaction; resolves with its result once committed.
   * `onRollback` runs synchronously right after this item's writes were undone (its work threw,
   * or the whole transaction failed), so in-memory state can be reloaded before anything else runs.
   */
  submit<T>(work: () => T, onRollback?: () => void): Promise<T> {
    if (this.closed) return Promise.reject(new Error('group commit is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, onRollback, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Number of items waiting for the next transaction. */
  get queued(): number {
    return this.pending.length;
  }

  /** Commits everything queued now, synchronously. */
  flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxItemsPerTransaction);
      this.commitBatch(batch);
    }
  }

  /** Commits what is queued and refuses further work. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private commitBatch(batch: PendingWork[]): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    if (batch.length === 1) {
      this.commitAlone(batch[0]!);
      return;
    }
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
            item.onRollback?.();
          }
        }
      });
    } catch (error) {
      batch.forEach((item, i) => {
        if (outcomes[i]?.ok) item.onRollback?.();
        item.reject(error);
      });
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  /** One item needs no savepoint: its own transaction is the unit that commits or rolls back. */
  private commitAlone(item: PendingWork): void {
    let value: unknown;
    try {
      value = this.db.transaction(item.work);
    } catch (error) {
      item.onRollback?.();
      item.reject(error);
      return;
    }
    item.resolve(value);
  }
}
