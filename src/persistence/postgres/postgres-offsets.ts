import type { OffsetStorage } from '../port/offset-storage';
import { MissingPartitionError } from '../port/log-storage';
import type { CommittedOffset, OffsetCommit } from '../port/rows';
import { GroupFences } from './postgres-group-leases';
import { missingPartitionOf } from './postgres-errors';
import { TransactionRunner, WorkMode } from './transaction-runner';

const UPSERT = `
  INSERT INTO stream_offsets (group_name, topic_id, partition, committed_offset, committed_at_ms)
  SELECT $1, * , $5 FROM unnest($2::bigint[], $3::integer[], $4::bigint[])
  ON CONFLICT (group_name, topic_id, partition)
  DO UPDATE SET committed_offset = excluded.committed_offset, committed_at_ms = excluded.committed_at_ms`;

/**
 * Committed offsets of streaming consumer groups on PostgreSQL. A commit naming a partition
 * that does not exist rejects with `MissingPartitionError` and commits nothing. In a cluster,
 * every write of a group's offsets is fenced by its coordinator lease (`GroupFences`).
 */
export class PostgresOffsets implements OffsetStorage {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly fences: GroupFences = new GroupFences(),
  ) {}

  commit(group: string, offsets: readonly OffsetCommit[], committedAtMs: number): Promise<void> {
    // One row per partition: a partition named twice keeps its last offset.
    const last = new Map<string, OffsetCommit>();
    for (const o of offsets) last.set(`${o.topicId}/${o.partition}`, o);
    const unique = [...last.values()].sort(
      (a, b) => a.topicId - b.topicId || a.partition - b.partition,
    );
    return this.runner.run(WorkMode.WRITE, async (client) => {
      if (unique.length === 0) return;
      await this.fences.check(client, group);
      try {
        await client.query(UPSERT, [
          group,
          unique.map((o) => o.topicId),
          unique.map((o) => o.partition),
          unique.map((o) => o.offset),
          committedAtMs,
        ]);
      } catch (error) {
        const missing = missingPartitionOf(error, 'stream_offsets_partition_fkey');
        if (missing) throw new MissingPartitionError(missing.topicId, missing.partition);
        throw error;
      }
    });
  }

  list(): Promise<CommittedOffset[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<CommittedOffset>(
        `SELECT group_name AS "group", topic_id AS "topicId", partition,
           committed_offset AS "committedOffset", committed_at_ms AS "committedAtMs"
         FROM stream_offsets ORDER BY group_name, topic_id, partition`,
      );
      return rows;
    });
  }

  deleteGroup(group: string): Promise<void> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      await this.fences.check(client, group);
      await client.query('DELETE FROM stream_offsets WHERE group_name = $1', [group]);
    });
  }
}
