import type { CatalogueStorage } from './catalogue-storage';
import type { DeadLetterStorage } from './dead-letter-storage';
import type { LogStorage } from './log-storage';
import type { OffsetStorage } from './offset-storage';
import type { ShareStorage } from './share-storage';

/**
 * The storage port: everything the broker keeps, behind narrow asynchronous operations, each
 * atomic. Services never see SQL or a connection; memory adopts a change only after the
 * promise of its write resolved. Adapters: SQLite (`sqlite/`, its engine on a worker thread)
 * and PostgreSQL. Abstract so that it is also the dependency-injection token.
 */
export abstract class Storage {
  abstract readonly kind: 'sqlite' | 'postgres';
  abstract readonly catalogue: CatalogueStorage;
  abstract readonly log: LogStorage;
  abstract readonly shares: ShareStorage;
  abstract readonly offsets: OffsetStorage;
  abstract readonly deadLetters: DeadLetterStorage;

  /** Proves the storage can be written now (readiness). */
  abstract checkWritable(): Promise<void>;

  /** Commits what is queued, then closes; later calls reject. */
  abstract close(): Promise<void>;
}
