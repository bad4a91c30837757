import { Storage } from '../port/storage';
import type { WriteFence } from '../port/write-fence';
import { WriteFences } from './lease-fence';
import { PostgresCatalogue } from './postgres-catalogue';
import { PostgresDeadLetters } from './postgres-dead-letters';
import { PostgresLog } from './postgres-log';
import { PostgresOffsets } from './postgres-offsets';
import { PostgresStorageOptions, withDefaults } from './postgres-options';
import { migrateSchema } from './postgres-schema';
import { PostgresShares } from './postgres-shares';
import { PrimaryPool } from './primary-pool';
import { TransactionRunner, WorkMode } from './transaction-runner';

/**
 * The storage port on PostgreSQL (`WEIR_STORAGE=postgres`): a node-postgres pool to the
 * cluster's primary, every operation one transaction. Open with `PostgresStorage.open`, which
 * migrates the schema (one migrator at a time, behind an advisory lock). Needs only a role that
 * owns its database. A failure to reach a writable primary rejects with an error whose `code`
 * is 'STORAGE_UNAVAILABLE' (`StorageUnavailableError`); the next call looks for the primary
 * again among the URLs (a promoted standby).
 */
export class PostgresStorage extends Storage {
  readonly kind = 'postgres' as const;
  readonly catalogue: PostgresCatalogue;
  readonly log: PostgresLog;
  readonly shares: PostgresShares;
  readonly offsets: PostgresOffsets;
  readonly deadLetters: PostgresDeadLetters;
  private readonly fences = new WriteFences();

  private constructor(
    private readonly runner: TransactionRunner,
    private readonly primary: PrimaryPool,
  ) {
    super();
    this.catalogue = new PostgresCatalogue(runner);
    this.log = new PostgresLog(runner, this.fences);
    this.shares = new PostgresShares(runner, this.fences);
    this.offsets = new PostgresOffsets(runner);
    this.deadLetters = new PostgresDeadLetters(runner);
  }

  /** Connects to the primary among `options.urls` and migrates the schema. */
  static async open(
    options: Partial<PostgresStorageOptions> & Pick<PostgresStorageOptions, 'urls'>,
  ): Promise<PostgresStorage> {
    const resolved = withDefaults(options);
    const primary = new PrimaryPool(resolved);
    const runner = new TransactionRunner(primary, resolved.maxRetries);
    try {
      await runner.run(WorkMode.WRITE, migrateSchema);
    } catch (error) {
      await runner.close();
      throw error;
    }
    return new PostgresStorage(runner, primary);
  }

  /** Index in `urls` of the server written through now, or null while none is known. */
  get currentPrimary(): number | null {
    return this.primary.currentPrimary;
  }

  override setWriteFence(fence: WriteFence | null): void {
    this.fences.set(fence);
  }

  /** Proves a transaction id can be assigned on the primary (fails on a standby). */
  async checkWritable(): Promise<void> {
    await this.runner.run(WorkMode.WRITE, async (client) => {
      await client.query('SELECT pg_current_xact_id()');
    });
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
}
