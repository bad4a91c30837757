import type { SqliteDatabase } from './sqlite-database';

/** How a queued write ended: its value, or the error that undid it. */
export type WriteOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface QueuedWrite {
  work: () => unknown;
  weight: number;
  done: (outcome: WriteOutcome) => void;
}

/** Bounds on one shared transaction, so that no single commit stalls the engine for long. */
export interface GroupCommitLimits {
  /** Writes per transaction. */
  maxWrites: number;
  /** Sum of weights (records, state batches) per transaction. */
  maxWeight: number;
}

const DEFAULT_LIMITS: GroupCommitLimits = { maxWrites: 2_000, maxWeight: 20_000 };

/**
 * Group commit inside the engine: writes queued close together share one transaction, each in
 * its own savepoint so that one failing write does not undo the others. Every write is answered
 * (`done`) only after COMMIT, or with the error that undid it. A long queue is committed as
 * several transactions (`commitNext` takes one chunk), so reads can run between them.
 */
export class EngineGroupCommit {
  private queue: QueuedWrite[] = [];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly limits: GroupCommitLimits = DEFAULT_LIMITS,
  ) {}

  /** Queues `work` for the next transaction; `weight` counts towards its size bound. */
  enqueue(work: () => unknown, weight: number, done: (outcome: WriteOutcome) => void): void {
    this.queue.push({ work, weight, done });
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Commits everything queued, chunk after chunk. */
  commitAll(): void {
    while (this.commitNext());
  }

  /** Commits the next chunk of the queue in one transaction; true while more is queued. */
  commitNext(): boolean {
    if (this.queue.length === 0) return false;
    let take = 0;
    let weight = 0;
    while (take < this.queue.length && take < this.limits.maxWrites) {
      weight += this.queue[take]!.weight;
      take += 1;
      if (weight >= this.limits.maxWeight) break;
    }
    const chunk = this.queue.splice(0, take);
    if (chunk.length === 1) this.commitAlone(chunk[0]!);
    else this.commitTogether(chunk);
    return this.queue.length > 0;
  }

  private commitTogether(chunk: QueuedWrite[]): void {
    const outcomes: WriteOutcome[] = [];
    try {
      this.db.transaction(() => {
        for (const item of chunk) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of chunk) item.done({ ok: false, error });
      return;
    }
    chunk.forEach((item, i) => item.done(outcomes[i]!));
  }

  /** One write needs no savepoint: its own transaction commits or rolls back. */
  private commitAlone(item: QueuedWrite): void {
    let outcome: WriteOutcome;
    try {
      outcome = { ok: true, value: this.db.transaction(item.work) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    item.done(outcome);
  }
}
