import type {
  DeadLetterAppend,
  SharePartitionWrite,
  ShareStorage,
  StoredSharePartition,
} from '../port/share-storage';
import type { PartitionBounds } from '../port/log-storage';
import { afterCommit, BoundsReport, NO_REPORT } from './bounds-report';
import { appendDeadLetters } from './dead-letter-copy';
import { loadSharePartitions, writeSharePartitions } from './share-state';
import { TransactionRunner, WorkMode } from './transaction-runner';

/** Share-group state on PostgreSQL: runs of offsets, written with their dead-letter copies. */
export class PostgresShares implements ShareStorage {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly report: BoundsReport = NO_REPORT,
  ) {}

  load(groupId: number): Promise<StoredSharePartition[]> {
    return this.runner.run(WorkMode.SNAPSHOT_READ, (client) =>
      loadSharePartitions(client, groupId),
    );
  }

  write(
    writes: readonly SharePartitionWrite[],
    deadLetters: readonly DeadLetterAppend[],
  ): Promise<number[]> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        await writeSharePartitions(client, writes);
        const bounds: PartitionBounds[] = [];
        return { value: await appendDeadLetters(client, deadLetters, bounds), bounds };
      }),
    );
  }
}
