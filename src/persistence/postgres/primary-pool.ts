import { Client, ClientConfig, CustomTypesConfig, Pool, PoolClient, types } from 'pg';
import {
  isConnectionFailure,
  StorageClosedError,
  StorageUnavailableError,
} from './postgres-errors';
import { PostgresStorageOptions } from './postgres-options';

const INT8_OID = 20;

/** int8 columns as numbers: offsets, ids, sizes and epoch-ms times all stay below 2^53. */
const numericInt8: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : (types.getTypeParser(oid, format) as (
          value: string,
        ) => unknown)) as CustomTypesConfig['getTypeParser'],
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A connection pool to whichever of the cluster's URLs is the primary. The primary is the first
 * URL (in the order given) whose server answers `pg_is_in_recovery() = false`. After a
 * connection failure or a read-only refusal, `invalidate` drops the pool, and the next
 * `connect` looks for the primary again (a promoted standby): rounds over every URL with a
 * growing pause, bounded by `failoverAttempts` and `failoverTimeoutMs`, then
 * `StorageUnavailableError`. Concurrent callers share one search.
 */
export class PrimaryPool {
  private pool: Pool | null = null;
  private searching: Promise<Pool> | null = null;
  private closed = false;
  private primaryIndex: number | null = null;

  constructor(private readonly options: PostgresStorageOptions) {}

  /** Index in `urls` of the server written through now, or null while none is known. */
  get currentPrimary(): number | null {
    return this.pool ? this.primaryIndex : null;
  }

  /** A client of the primary's pool (the caller releases it) and the pool it came from. */
  async connect(): Promise<{ client: PoolClient; pool: Pool }> {
    for (let attempt = 0; ; attempt++) {
      const pool = await this.currentPool();
      try {
        return { client: await pool.connect(), pool };
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        this.invalidate(pool);
        if (attempt >= this.options.maxRetries) {
          throw new StorageUnavailableError('cannot connect to the PostgreSQL primary', false, {
            cause: error,
          });
        }
      }
    }
  }

  /** Forgets `pool` (the current one when not given) after a failure; the next use searches. */
  invalidate(pool: Pool | null = this.pool): void {
    if (pool === null || pool !== this.pool) return;
    this.pool = null;
    pool.end().catch(() => undefined);
  }

  /** Ends the pool; later calls reject with `StorageClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.searching?.catch(() => undefined);
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  private currentPool(): Promise<Pool> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    if (this.pool) return Promise.resolve(this.pool);
    this.searching ??= this.search().finally(() => (this.searching = null));
    return this.searching;
  }

  private async search(): Promise<Pool> {
    const { urls, failoverAttempts, failoverTimeoutMs } = this.options;
    const deadline = Date.now() + failoverTimeoutMs;
    let lastError: unknown = null;
    for (let round = 0; round < failoverAttempts; round++) {
      for (let index = 0; index < urls.length; index++) {
        try {
          if (await this.isPrimary(urls[index]!)) return this.openPool(index);
        } catch (error) {
          lastError = error;
        }
        if (this.closed) throw new StorageClosedError();
      }
      const pauseMs = Math.min(50 * 2 ** round, 500, deadline - Date.now());
      if (pauseMs <= 0) break;
      await sleep(pauseMs);
    }
    const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
    throw new StorageUnavailableError(
      `no writable PostgreSQL primary among ${urls.length} server(s)${reason}`,
      false,
      { cause: lastError },
    );
  }

  private openPool(index: number): Pool {
    if (this.closed) throw new StorageClosedError();
    const pool = new Pool({
      ...this.clientConfig(this.options.urls[index]!),
      max: this.options.poolSize,
    });
    // An idle connection that breaks (the server died) must not crash the process; it is a
    // reason to look for the primary again.
    pool.on('error', () => this.invalidate(pool));
    this.pool = pool;
    this.primaryIndex = index;
    return pool;
  }

  private async isPrimary(url: string): Promise<boolean> {
    const client = new Client(this.clientConfig(url));
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ recovery: boolean; readOnly: string }>(
        'SELECT pg_is_in_recovery() AS recovery, current_setting(\'default_transaction_read_only\') AS "readOnly"',
      );
      return rows[0]?.recovery === false && rows[0].readOnly === 'off';
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private clientConfig(url: string): ClientConfig {
    const o = this.options;
    return {
      connectionString: url,
      connectionTimeoutMillis: o.connectTimeoutMs,
      lock_timeout: o.lockTimeoutMs,
      statement_timeout: o.statementTimeoutMs,
      idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
      application_name: 'weir',
      keepAlive: true,
      types: numericInt8,
    };
  }
}
