import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseOptions } from './sqlite-database';
import type { PartitionAppend, RecordPage } from '../port/log-storage';
import { BoundsReader, touchedBy } from './engine-bounds';
import { EngineGroupCommit, type WriteOutcome } from './engine-group-commit';
import {
  PAGE_OPERATIONS,
  pageTransferList,
  toWireError,
  unpackAppend,
  type EngineMessage,
  type EngineRequest,
  type PackedAppend,
} from './engine-messages';
import { SqliteEngine, WRITE_OPERATIONS, type EngineOperation } from './sqlite-engine';
import { Checkpointer, serveCheckpoints, type EngineThreadData } from './wal-checkpoints';

/**
 * The engine's thread: owns the writing connection and the `SqliteEngine`. Reads run as they arrive,
 * between transactions; writes are queued and committed together on the next turn of this
 * thread's event loop (group commit), a chunk per turn; each is answered after its COMMIT.
 * With a checkpoint policy it starts a checkpointer thread (`wal-checkpoints.ts`), which runs
 * from this same file with `role: 'checkpointer'`.
 */
function serve(port: NonNullable<typeof parentPort>, data: EngineThreadData): void {
  let engine: SqliteEngine;
  const options: DatabaseOptions = { file: data.file, sync: data.sync };
  if (data.checkpoints && data.file !== ':memory:') {
    options.walAutocheckpointPages = data.checkpoints.maxWalPages;
  }
  try {
    engine = new SqliteEngine(options);
  } catch (error) {
    port.postMessage({ type: 'failed', error: toWireError(error) } satisfies EngineMessage);
    return;
  }
  // Started once the schema is migrated; checkpoints then run beside the commits.
  const checkpointer = data.checkpoints ? Checkpointer.start(data) : null;
  const commits = new EngineGroupCommit(engine.db);
  const boundsReader = new BoundsReader(engine.db.connection);
  let scheduled = false;

  const answer = (
    id: number,
    operation: string,
    outcome: WriteOutcome,
    args: readonly unknown[] = [],
  ): void => {
    if (!outcome.ok) {
      const message: EngineMessage = {
        type: 'answer',
        id,
        ok: false,
        error: toWireError(outcome.error),
      };
      port.postMessage(message);
      return;
    }
    const message: EngineMessage = { type: 'answer', id, ok: true, value: outcome.value };
    if (WRITE_OPERATIONS.has(operation as EngineOperation)) {
      // Read right after the COMMIT that answers this write, before the next one runs.
      message.bounds = boundsReader.read(touchedBy(operation, args, outcome.value));
    }
    if (PAGE_OPERATIONS.has(operation)) {
      port.postMessage(message, pageTransferList(outcome.value as RecordPage));
    } else port.postMessage(message);
  };

  const commitStep = (): void => {
    scheduled = commits.commitNext();
    if (scheduled) setImmediate(commitStep);
  };

  const run = (operation: EngineOperation, args: unknown[]) => () =>
    (engine[operation] as (...a: unknown[]) => unknown).apply(engine, args);

  port.on('message', (request: EngineRequest) => {
    const { id, operation } = request;
    // An append crosses packed into columns (see `packAppend`).
    const args =
      operation === 'append' ? [unpackAppend(request.args[0] as PackedAppend)] : request.args;
    if (operation === 'close') {
      commits.commitAll();
      void (checkpointer?.stop() ?? Promise.resolve()).finally(() => {
        engine.close();
        // The main thread terminates this thread once it has the answer.
        answer(id, operation, { ok: true, value: undefined });
      });
      return;
    }
    const work = run(operation as EngineOperation, args);
    if (!WRITE_OPERATIONS.has(operation as EngineOperation)) {
      let outcome: WriteOutcome;
      try {
        outcome = { ok: true, value: work() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      answer(id, operation, outcome);
      return;
    }
    commits.enqueue(work, weightOf(operation, args), (outcome) =>
      answer(id, operation, outcome, args),
    );
    if (!scheduled) {
      scheduled = true;
      setImmediate(commitStep);
    }
  });
  port.postMessage({ type: 'ready' } satisfies EngineMessage);
}

/** Records count towards a transaction's size; other writes count one. */
function weightOf(operation: string, args: unknown[]): number {
  if (operation !== 'append') return 1;
  const batches = args[0] as readonly PartitionAppend[];
  return batches.reduce((sum, b) => sum + b.records.length, 0);
}

const data = workerData as EngineThreadData;
if (parentPort && data.role === 'checkpointer') serveCheckpoints(parentPort, data);
else if (parentPort) serve(parentPort, data);
