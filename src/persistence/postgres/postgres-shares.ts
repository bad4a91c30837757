import type {
  DeadLetterAppend,
  SharePartitionWrite,
  ShareStorage,
  StoredSharePartition,
} from '../port/share-storage';
import type { PartitionBounds } from '../port/log-storage';
import { afterCommit, BoundsReport, NO_REPORT } from './bounds-report';
import { appendDeadLetters } from './dead-letter-copy';
import { WriteFences } from './lease-fence';
import { loadSharePartitions, writeSharePartitions } from './share-state';
import { TransactionRunner, WorkMode } from './transaction-runner';

/**
 * Share-group state on PostgreSQL: runs of offsets, written with their dead-letter copies. A
 * write is fenced by the leases of the share partitions it changes (their topic partitions'
 * owner keeps them, DESIGN §7 "State"), not by the leases of the dead-letter partitions its
 * copies go to: those may be owned by other nodes, and a copy is an append whose offset is
 * assigned under the target partition's row lock, so appenders on several nodes stay dense and
 * unique, and the archive that causes it is fenced, so it is never copied twice.
 */
export class PostgresShares implements ShareStorage {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly report: BoundsReport = NO_REPORT,
    private readonly fences: WriteFences = new WriteFences(),
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
        await this.fences.check(client, writes);
        await writeSharePartitions(client, writes);
        const bounds: PartitionBounds[] = [];
        return { value: await appendDeadLetters(client, deadLetters, bounds), bounds };
      }),
    );
  }
}
