import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BROKER_CONFIG, ENGINE_WORKER } from '../common/core.module';
import { BrokerConfig } from '../config/broker-config';
import { PartitionBoundsMirror } from './partition-bounds-mirror';
import { Storage } from './port/storage';
import { EngineWorkerSource, SqliteStorage } from './sqlite/sqlite-storage';

/** The database file inside the data directory. */
export const databaseFile = (dataDir: string): string => join(dataDir, 'weir.db');

/**
 * The storage port (the SQLite engine on its own thread, which migrates the file when it opens
 * it) and the partitions' bounds in memory; closed last, after pending commits are flushed.
 */
@Global()
@Module({
  providers: [
    {
      provide: Storage,
      inject: [BROKER_CONFIG, ENGINE_WORKER],
      useFactory: (config: BrokerConfig, worker: EngineWorkerSource | undefined) =>
        SqliteStorage.open({
          file: databaseFile(config.dataDir),
          sync: config.storageSync,
          ...(worker ? { worker } : {}),
        }),
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
    this.logger.log('database closed');
  }
}
