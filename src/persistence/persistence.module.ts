import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BROKER_CONFIG, ENGINE_WORKER } from '../common/core.module';
import { BrokerConfig } from '../config/broker-config';
import { Database } from './database';
import { DeadLetterStore } from './dead-letter.store';
import { GroupCommit } from './group-commit';
import { RecordLogStore } from './record-log.store';
import { ShareGroupStore } from './share-group.store';
import { TopicStore } from './topic.store';
import { Storage } from './port/storage';
import { EngineWorkerSource, SqliteStorage } from './sqlite/sqlite-storage';

/** The database file inside the data directory. */
export const databaseFile = (dataDir: string): string => join(dataDir, 'weir.db');

/** The SQLite database and its stores; closed last, after pending commits are flushed. */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [BROKER_CONFIG],
      useFactory: (config: BrokerConfig) =>
        new Database({ file: databaseFile(config.dataDir), sync: config.storageSync }),
    },
    { provide: GroupCommit, inject: [Database], useFactory: (db: Database) => new GroupCommit(db) },
    {
      // Opened after `Database`, which migrated the schema; both connections share the file
      // while the services move to the port one module at a time.
      provide: Storage,
      inject: [BROKER_CONFIG, Database, ENGINE_WORKER],
      useFactory: (config: BrokerConfig, _db: Database, worker: EngineWorkerSource | undefined) =>
        SqliteStorage.open({
          file: databaseFile(config.dataDir),
          sync: config.storageSync,
          ...(worker ? { worker } : {}),
        }),
    },
    { provide: TopicStore, inject: [Database], useFactory: (db: Database) => new TopicStore(db) },
    {
      provide: RecordLogStore,
      inject: [Database],
      useFactory: (db: Database) => new RecordLogStore(db),
    },
    {
      provide: DeadLetterStore,
      inject: [Database],
      useFactory: (db: Database) => new DeadLetterStore(db),
    },
    {
      provide: ShareGroupStore,
      inject: [Database],
      useFactory: (db: Database) => new ShareGroupStore(db),
    },
  ],
  exports: [
    Database,
    GroupCommit,
    Storage,
    TopicStore,
    RecordLogStore,
    ShareGroupStore,
    DeadLetterStore,
  ],
})
export class PersistenceModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(GroupCommit) private readonly groupCommit: GroupCommit,
    @Inject(Storage) private readonly storage: Storage,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.groupCommit.close();
    await this.storage.close();
    this.db.close();
    this.logger.log('database closed');
  }
}
