import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BROKER_CONFIG } from '../common/core.module';
import { BrokerConfig } from '../config/broker-config';
import { Database } from './database';
import { DeadLetterStore } from './dead-letter.store';
import { GroupCommit } from './group-commit';
import { RecordLogStore } from './record-log.store';
import { ShareGroupStore } from './share-group.store';
import { TopicStore } from './topic.store';

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
  exports: [Database, GroupCommit, TopicStore, RecordLogStore, ShareGroupStore, DeadLetterStore],
})
export class PersistenceModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(GroupCommit) private readonly groupCommit: GroupCommit,
  ) {}

  onApplicationShutdown(): void {
    this.groupCommit.close();
    this.db.close();
    this.logger.log('database closed');
  }
}
