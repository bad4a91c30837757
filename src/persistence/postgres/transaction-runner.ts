import { PoolClient } from 'pg';
import {
  errorCode,
  isConnectionFailure,
  isReadOnlyFailure,
  isTransientConflict,
  SqlState,
  StorageClosedError,
  StorageUnavailableError,
} from './postgres-errors';
import { PrimaryPool } from './primary-pool';

/** How a unit of work runs: a write transaction, a consistent read, or one read statement. */
export const WorkMode = {
  WRITE: 'BEGIN',
  SNAPSHOT_READ: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  SINGLE_READ: '',
} as const;
export type WorkMode = (typeof WorkMode)[keyof typeof WorkMode];

/** A unit of work: statements on one connection, inside the transaction the runner opened. */
export type Work<T> = (client: PoolClient) => Promise<T>;

/**
 * Runs every port operation as one transaction on a connection of the primary, and maps
 * failures: a deadlock or a serialization failure runs the transaction again; a broken
 * connection or a read-only refusal (the primary was demoted) makes the pool look for the
 * primary again and runs the transaction again if COMMIT was not sent yet; when it was, or the
 * retries are spent, the call rejects with `StorageUnavailableError` (`outcomeUnknown` set when
 * COMMIT was sent). A lock wait past `lock_timeout` is also `StorageUnavailableError`.
 * `close()` waits for the work in flight; later calls reject with `StorageClosedError`.
 */
export class TransactionRunner {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly primary: PrimaryPool,
    private readonly maxRetries: number,
  ) {}

  run<T>(mode: WorkMode, work: Work<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    const done = this.runWithRetries(mode, work);
    const tracked = done.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return done;
  }

  /** Waits for the work in flight, then ends the pool. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight]);
    await this.primary.close();
  }

  private async runWithRetries<T>(mode: WorkMode, work: Work<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const progress = { commitSent: false };
      try {
        return await this.runOnce(mode, work, progress);
      } catch (error) {
        // The search for a primary already spent its own bound.
        if (error instanceof StorageUnavailableError) throw error;
        const retriesLeft = attempt < this.maxRetries;
        if (isConnectionFailure(error) || isReadOnlyFailure(error)) {
          if (progress.commitSent) {
            throw new StorageUnavailableError(
              'the PostgreSQL connection broke after COMMIT was sent: the outcome is unknown',
              true,
              { cause: error },
            );
          }
          if (retriesLeft) continue;
          throw new StorageUnavailableError('PostgreSQL primary unavailable', false, {
            cause: error,
          });
        }
        if (isTransientConflict(error) && retriesLeft) continue;
        if (errorCode(error) === SqlState.LOCK_NOT_AVAILABLE) {
          throw new StorageUnavailableError('a row lock was not granted in time', false, {
            cause: error,
          });
        }
        throw error;
      }
    }
  }

  private async runOnce<T>(
    mode: WorkMode,
    work: Work<T>,
    progress: { commitSent: boolean },
  ): Promise<T> {
    const { client, pool } = await this.primary.connect();
    let broken: Error | undefined;
    // A checked-out client has no error listener of the pool's: a connection that breaks
    // between two statements must fail the next statement, not crash the process.
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    try {
      if (mode === WorkMode.SINGLE_READ) return await work(client);
      await client.query(mode);
      const result = await work(client);
      progress.commitSent = true;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionFailure(error) || isReadOnlyFailure(error)) {
        // The server ending only this session (idle in a transaction too long) says nothing
        // about the primary; any other failure makes the pool look for it again.
        if (errorCode(broken) !== SqlState.IDLE_IN_TRANSACTION_TIMEOUT)
          this.primary.invalidate(pool);
        broken ??= error instanceof Error ? error : new Error(String(error));
      } else if (mode !== WorkMode.SINGLE_READ && !progress.commitSent) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
        });
      }
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
