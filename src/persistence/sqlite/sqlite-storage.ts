import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatabaseOptions } from './sqlite-database';
import type { CatalogueStorage } from '../port/catalogue-storage';
import type { DeadLetterStorage } from '../port/dead-letter-storage';
import type { LogStorage, RecordPage } from '../port/log-storage';
import type { OffsetStorage } from '../port/offset-storage';
import type { ShareStorage } from '../port/share-storage';
import { Storage } from '../port/storage';
import {
  fromWireError,
  packAppend,
  PAGE_OPERATIONS,
  receivedPage,
  type EngineMessage,
  type EngineRequest,
} from './engine-messages';
import type { EngineOperation, SqliteEngine } from './sqlite-engine';
import {
  DEFAULT_CHECKPOINTS,
  startThread,
  type CheckpointPolicy,
  type EngineWorkerSource,
} from './wal-checkpoints';

export type { EngineWorkerSource };

export interface SqliteStorageOptions extends DatabaseOptions {
  /** The engine's thread: the compiled `engine-worker.js` beside this file by default. */
  worker?: EngineWorkerSource;
  /** When the WAL is checkpointed (`DEFAULT_CHECKPOINTS` by default). */
  checkpoints?: CheckpointPolicy;
}

type Args<K extends EngineOperation> = SqliteEngine[K] extends (...args: infer A) => unknown
  ? A
  : never;
type Result<K extends EngineOperation> = SqliteEngine[K] extends (...args: never[]) => infer R
  ? R
  : never;

interface PendingCall {
  operation: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The SQLite adapter of the storage port. A worker thread owns the connection and the
 * `SqliteEngine` and does group commit; this class, on the event loop's thread, sends each
 * operation as a message and settles its promise with the answer (pages arrive as transferred
 * buffers). If the engine's thread dies, every pending and later call rejects.
 */
export class SqliteStorage extends Storage {
  readonly kind = 'sqlite' as const;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;

  readonly catalogue: CatalogueStorage = {
    listTopics: () => this.call('listTopics', []),
    createTopic: (...args) => this.call('createTopic', args),
    alterTopic: (...args) => this.call('alterTopic', args),
    deleteTopic: (...args) => this.call('deleteTopic', args),
    listShareGroups: () => this.call('listShareGroups', []),
    lastShareGroupId: () => this.call('lastShareGroupId', []),
    createShareGroup: (...args) => this.call('createShareGroup', args),
    alterShareGroup: (...args) => this.call('alterShareGroup', args),
    deleteShareGroup: (...args) => this.call('deleteShareGroup', args),
  };

  readonly log: LogStorage = {
    append: (batches) => {
      if (this.closing) return Promise.reject(new Error('storage is closed'));
      const { packed, transfer } = packAppend(batches);
      return this.send('append', [packed], transfer) as Promise<number[]>;
    },
    readPage: (...args) => this.call('readPage', args),
    readOffsets: (...args) => this.call('readOffsets', args),
    bounds: () => this.call('bounds', []),
    summaries: (...args) => this.call('summaries', args),
    truncateHead: (...args) => this.call('truncateHead', args),
    offsetAtTime: (...args) => this.call('offsetAtTime', args),
  };

  readonly shares: ShareStorage = {
    load: (...args) => this.call('loadShares', args),
    write: (...args) => this.call('writeShares', args),
  };

  readonly offsets: OffsetStorage = {
    commit: (...args) => this.call('commitOffsets', args),
    list: () => this.call('listOffsets', []),
    deleteGroup: (...args) => this.call('deleteOffsetGroup', args),
  };

  readonly deadLetters: DeadLetterStorage = {
    summaries: () => this.call('deadLetterSummaries', []),
    range: (...args) => this.call('deadLetterRange', args),
    redrive: (...args) => this.call('redrive', args),
  };

  private constructor(private readonly worker: Worker) {
    super();
    worker.on('message', (message: EngineMessage) => this.settle(message));
    worker.on('error', (error) => this.fail(new Error(`storage engine failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`storage engine exited with code ${code}`)));
  }

  /** Starts the engine's thread on `options.file` (migrated) and resolves once it is ready. */
  static open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    const source = options.worker ?? { file: join(__dirname, 'engine-worker.js') };
    const worker = startThread(source, {
      file: options.file,
      sync: options.sync,
      source,
      checkpoints: options.checkpoints ?? DEFAULT_CHECKPOINTS,
    });
    return new Promise((resolve, reject) => {
      const onMessage = (message: EngineMessage) => {
        cleanUp();
        if (message.type === 'ready') {
          resolve(new SqliteStorage(worker));
          return;
        }
        void worker.terminate();
        reject(
          message.type === 'failed'
            ? fromWireError(message.error)
            : new Error('storage engine answered before it was ready'),
        );
      };
      const onError = (error: Error) => {
        cleanUp();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanUp();
        reject(new Error(`storage engine exited with code ${code} while opening`));
      };
      const cleanUp = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  checkWritable(): Promise<void> {
    return this.call('checkWritable', []);
  }

  /** Commits what is queued, closes the database and ends the engine's thread. */
  close(): Promise<void> {
    this.closing ??= this.send('close', []).then(
      async () => {
        this.failure = new Error('storage is closed');
        await this.worker.terminate();
      },
      async (error: Error) => {
        await this.worker.terminate();
        throw error;
      },
    );
    return this.closing;
  }

  private call<K extends EngineOperation>(operation: K, args: Args<K>): Promise<Result<K>> {
    if (this.closing) return Promise.reject(new Error('storage is closed'));
    return this.send(operation, args) as Promise<Result<K>>;
  }

  private send(
    operation: string,
    args: readonly unknown[],
    transfer: ArrayBuffer[] = [],
  ): Promise<unknown> {
    if (this.failure) return Promise.reject(new Error(this.failure.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { operation, resolve, reject });
      const request: EngineRequest = { id, operation, args: [...args] };
      this.worker.postMessage(request, transfer);
    });
  }

  private settle(message: EngineMessage): void {
    if (message.type !== 'answer') return;
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (!message.ok) {
      call.reject(fromWireError(message.error));
      return;
    }
    if (message.bounds) this.reportBounds(message.bounds);
    if (PAGE_OPERATIONS.has(call.operation))
      call.resolve(receivedPage(message.value as RecordPage));
    else call.resolve(message.value);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const call of this.pending.values()) call.reject(new Error(error.message));
    this.pending.clear();
  }
}
