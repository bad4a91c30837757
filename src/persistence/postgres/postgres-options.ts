/**
 * How the PostgreSQL adapter connects. The timeouts keep a frozen or slow client from holding
 * row locks for long: a lease-based cluster needs them below the lease (`WEIR_LEASE_MS`), so
 * that a takeover is never blocked by a zombie's open transaction.
 */
export interface PostgresStorageOptions {
  /**
   * URLs of the servers of one cluster (`WEIR_POSTGRES_URL`, comma-separated): the adapter
   * writes and reads through whichever is the primary, and follows a promotion.
   */
  urls: readonly string[];
  /** Connections in the pool to the primary. */
  poolSize: number;
  /** `lock_timeout`: a statement waiting longer than this for a row lock fails. Ms. */
  lockTimeoutMs: number;
  /** `statement_timeout`: a statement running longer than this is cancelled. Ms. */
  statementTimeoutMs: number;
  /**
   * `idle_in_transaction_session_timeout`: the server ends a session that sits inside a
   * transaction longer than this between statements (a frozen client), releasing its locks. Ms.
   */
  idleInTransactionTimeoutMs: number;
  /** Bound on opening one connection. Ms. */
  connectTimeoutMs: number;
  /** Bound on finding a primary among `urls` after a failure (all rounds together). Ms. */
  failoverTimeoutMs: number;
  /** Rounds over `urls` when looking for a primary, within `failoverTimeoutMs`. */
  failoverAttempts: number;
  /** Times one operation runs again after a deadlock or a failover before it fails. */
  maxRetries: number;
}

export const DEFAULT_POSTGRES_OPTIONS: Omit<PostgresStorageOptions, 'urls'> = {
  poolSize: 8,
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 15_000,
  idleInTransactionTimeoutMs: 5_000,
  connectTimeoutMs: 2_000,
  failoverTimeoutMs: 30_000,
  failoverAttempts: 60,
  maxRetries: 3,
};

/** Splits `WEIR_POSTGRES_URL` into its URLs (comma-separated, blanks ignored). */
export function parsePostgresUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (urls.length === 0) throw new Error('WEIR_POSTGRES_URL names no server');
  return urls;
}

/** `options` with defaults for what is not given. */
export function withDefaults(
  options: Partial<PostgresStorageOptions> & Pick<PostgresStorageOptions, 'urls'>,
): PostgresStorageOptions {
  if (options.urls.length === 0) throw new Error('no PostgreSQL URL given');
  return { ...DEFAULT_POSTGRES_OPTIONS, ...options };
}

/**
 * The lock and idle-in-transaction timeouts for a node of a cluster whose lease is `leaseMs`
 * (`WEIR_LEASE_MS`): the defaults, lowered so that a frozen writer loses its row locks well
 * within one lease (lock waits under a third of it, idle transactions under half), so that a
 * takeover is never held back by a zombie for as long as a lease.
 */
export function timeoutsForLease(
  leaseMs: number,
): Pick<PostgresStorageOptions, 'lockTimeoutMs' | 'idleInTransactionTimeoutMs'> {
  return {
    lockTimeoutMs: Math.max(
      1,
      Math.min(DEFAULT_POSTGRES_OPTIONS.lockTimeoutMs, Math.floor(leaseMs / 3)),
    ),
    idleInTransactionTimeoutMs: Math.max(
      1,
      Math.min(DEFAULT_POSTGRES_OPTIONS.idleInTransactionTimeoutMs, Math.floor(leaseMs / 2)),
    ),
  };
}
