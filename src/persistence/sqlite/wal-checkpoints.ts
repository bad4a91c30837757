import BetterSqlite3 from 'better-sqlite3';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { DatabaseOptions } from './sqlite-database';

/**
 * Where a storage thread comes from: the compiled `engine-worker.js` (production, `dist/`), or
 * JavaScript source to evaluate (tests run TypeScript sources through a bootstrap that compiles
 * them; see `test/support/ts-bootstrap.ts`).
 */
export type EngineWorkerSource = { file: string } | { code: string };

/** When the WAL is copied back into the database file, off the writer's commits. */
export interface CheckpointPolicy {
  /** A PASSIVE checkpoint from the checkpointer's own connection this often. */
  intervalMs: number;
  /**
   * The writer's `wal_autocheckpoint`: past this many WAL pages its own commit checkpoints, so
   * the WAL stays bounded even if the checkpointer falls behind.
   */
  maxWalPages: number;
}

export const DEFAULT_CHECKPOINTS: CheckpointPolicy = { intervalMs: 200, maxWalPages: 10_000 };

/** What a storage thread is started with: the engine (default) or its checkpointer. */
export interface EngineThreadData extends DatabaseOptions {
  source?: EngineWorkerSource;
  checkpoints?: CheckpointPolicy;
  role?: 'engine' | 'checkpointer';
}

/** Starts `source` as a worker thread with `data`. */
export function startThread(source: EngineWorkerSource, data: EngineThreadData): Worker {
  return 'code' in source
    ? new Worker(source.code, { eval: true, workerData: data })
    : new Worker(source.file, { workerData: data });
}

/**
 * The checkpointer seen from the engine's thread: a second thread with its own connection that
 * runs PASSIVE checkpoints (they never wait for the writer, nor make it wait), so that copying
 * the WAL into the database file and its fsyncs stay off the commit path. `stop` closes its
 * connection before the engine closes its own (the last one to close removes the WAL).
 */
export class Checkpointer {
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    // A checkpointer that fails leaves the writer's own bounded auto-checkpoints in charge.
    worker.on('error', () => undefined);
  }

  /** Null for `:memory:` or when the engine does not know its own source. */
  static start(data: EngineThreadData): Checkpointer | null {
    if (data.file === ':memory:' || !data.source) return null;
    return new Checkpointer(startThread(data.source, { ...data, role: 'checkpointer' }));
  }

  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await this.exited;
  }
}

/** The checkpointer's thread: a PASSIVE checkpoint each interval until told to stop. */
export function serveCheckpoints(port: MessagePort, data: EngineThreadData): void {
  const policy = data.checkpoints ?? DEFAULT_CHECKPOINTS;
  const db = new BetterSqlite3(data.file);
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Retried next interval; the writer's auto-checkpoint bounds the WAL meanwhile.
    }
  }, policy.intervalMs);
  port.on('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
}
