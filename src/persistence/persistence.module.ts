import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BROKER_CONFIG, ENGINE_WORKER } from '../common/core.module';
import { BrokerConfig } from '../config/broker-config';
import { PartitionBoundsMirror } from './partition-bounds-mirror';
import { Storage } from './port/storage';
import { timeoutsForLease } from './postgres/postgres-options';
import { PostgresStorage } from './postgres/postgres-storage';
import { EngineWorkerSource, SqliteStorage } from './sqlite/sqlite-storage';

/** The database file inside the data directory. */
export const databaseFile = (dataDir: string): string => join(dataDir, 'weir.db');

/**
 * The storage the configuration asks for (`WEIR_STORAGE`): the SQLite engine on its own thread
 * (it migrates the file when it opens it), or PostgreSQL (schema migrated at start).
 */
function openStorage(
  config: BrokerConfig,
  worker: EngineWorkerSource | undefined,
): Promise<Storage> {
  if (config.storage === 'postgres') {
    // Lock and idle-in-transaction timeouts well within the lease, so a frozen node's open
    // transaction never holds a takeover back (DESIGN §7).
    return PostgresStorage.open({ urls: config.postgresUrls, ...timeoutsForLease(config.leaseMs) });
  }
  return SqliteStorage.open({
    file: databaseFile(config.dataDir),
    sync: config.storageSync,
    ...(worker ? { worker } : {}),
  });
}

/**
 * The storage port and the partitions' bounds in memory; closed last, after pending commits
 * are flushed.
 */
@Global()
@Module({
  providers: [
    {
      provide: Storage,
      inject: [BROKER_CONFIG, ENGINE_WORKER],
      useFactory: (config: BrokerConfig, worker: EngineWorkerSource | undefined) =>
        openStorage(config, worker),
    },
    {
      provide: PartitionBoundsMirror,
      inject: [Storage],
      useFactory: (storage: Storage) => PartitionBoundsMirror.load(storage),
    },
  ],
  exports: [Storage, PartitionBoundsMirror],
})
export class PersistenceModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');

  constructor(@Inject(Storage) private readonly storage: Storage) {}

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
    this.logger.log(`${this.storage.kind === 'postgres' ? 'PostgreSQL' : 'database'} closed`);
  }
}
