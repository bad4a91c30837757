import type { GroupFence } from '../../cluster/group-lease-store';
import type { ClusterCoordination } from '../../cluster/lease-store';
import type { BoundsChange } from '../port/log-storage';
import { Storage } from '../port/storage';
import type { WriteFence } from '../port/write-fence';
import { BoundsNotices } from './bounds-notices';
import { WriteFences } from './lease-fence';
import { PostgresCatalogue } from './postgres-catalogue';
import { PostgresDeadLetters } from './postgres-dead-letters';
import { GroupFences, PostgresGroupLeases } from './postgres-group-leases';
import { PostgresLeaseStore } from './postgres-lease-store';
import { PostgresLog } from './postgres-log';
import { PostgresNodeRegistry } from './postgres-node-registry';
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
  private readonly groupFences = new GroupFences();
  /** Other nodes' commits, and this node's told to them, once it joined a cluster. */
  private readonly notices: BoundsNotices;
  private publishing = false;

  private constructor(
    private readonly runner: TransactionRunner,
    private readonly primary: PrimaryPool,
    private readonly options: PostgresStorageOptions,
  ) {
    super();
    this.notices = new BoundsNotices(runner, options, (change) => this.reportBounds(change));
    const report = (change: BoundsChange) => {
      this.reportBounds(change);
      if (this.publishing) this.notices.publish(change);
    };
    this.catalogue = new PostgresCatalogue(runner, report);
    this.log = new PostgresLog(runner, report, this.fences);
    this.shares = new PostgresShares(runner, report, this.fences);
    this.offsets = new PostgresOffsets(runner, this.groupFences);
    this.deadLetters = new PostgresDeadLetters(runner, report);
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
    return new PostgresStorage(runner, primary, resolved);
  }

  /**
   * The registry and lease table on a small pool of their own to the same primary (it follows
   * a promotion as the data pool does); every lease call is one short statement.
   */
  override async openCoordination(): Promise<ClusterCoordination> {
    // Wake-ups across nodes: tell the others what commits here change, hear theirs.
    this.publishing = true;
    await this.notices.listen();
    const options = { ...this.options, poolSize: 2 };
    const runner = new TransactionRunner(new PrimaryPool(options), options.maxRetries);
    return {
      registry: new PostgresNodeRegistry(runner),
      leases: new PostgresLeaseStore(runner),
      groups: new PostgresGroupLeases(runner),
      maxLockHoldMs: Math.max(options.lockTimeoutMs, options.idleInTransactionTimeoutMs),
      close: () => runner.close(),
    };
  }

  /** Index in `urls` of the server written through now, or null while none is known. */
  get currentPrimary(): number | null {
    return this.primary.currentPrimary;
  }

  override setWriteFence(fence: WriteFence | null): void {
    this.fences.set(fence);
  }

  override setGroupFence(fence: GroupFence | null): void {
    this.groupFences.set(fence);
  }

  /** Proves a transaction id can be assigned on the primary (fails on a standby). */
  async checkWritable(): Promise<void> {
    await this.runner.run(WorkMode.WRITE, async (client) => {
      await client.query('SELECT pg_current_xact_id()');
    });
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.notices.close();
    await this.runner.close();
  }
}
