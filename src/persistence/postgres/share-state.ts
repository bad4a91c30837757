import { PoolClient } from 'pg';
import { MissingPartitionError } from '../port/log-storage';
import type { SharePartitionWrite, StoredSharePartition } from '../port/share-storage';
import { missingPartitionOf } from './postgres-errors';
import { replaceRuns } from './share-runs';
import { BatchColumns, toBatch } from '../row-columns';

const BATCH_COLUMNS = `first_offset, last_offset, state, delivery_count, member_id, token,
  acquired_at_ms, lock_expires_at_ms, available_at_ms`;

const UPSERT_PARTITION = `
  INSERT INTO share_partitions (group_id, topic_id, partition, start_offset, end_offset)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (group_id, topic_id, partition)
  DO UPDATE SET start_offset = excluded.start_offset, end_offset = excluded.end_offset`;

const TAKE_OVERLAPPING = `
  DELETE FROM share_state_batches s
  USING unnest($4::bigint[], $5::bigint[]) AS n (first_offset, last_offset)
  WHERE s.group_id = $1 AND s.topic_id = $2 AND s.partition = $3
    AND s.first_offset <= n.last_offset AND s.last_offset >= n.first_offset
  RETURNING s.*`;

const INSERT_RUNS = `
  INSERT INTO share_state_batches (group_id, topic_id, partition, ${BATCH_COLUMNS})
  SELECT $1, $2, $3, * FROM unnest($4::bigint[], $5::bigint[], $6::integer[], $7::integer[],
    $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[])`;

// State below the start offset is dropped; a run that straddles it keeps its part at or above.
const TRIM_BELOW_START = `
  WITH dropped AS (
    DELETE FROM share_state_batches
    WHERE group_id = $1 AND topic_id = $2 AND partition = $3 AND last_offset < $4
    RETURNING 1
  )
  UPDATE share_state_batches SET first_offset = $4
  WHERE group_id = $1 AND topic_id = $2 AND partition = $3
    AND first_offset < $4 AND last_offset >= $4`;

/**
 * Writes share partitions' changes inside the caller's transaction, each in this order: its
 * offsets (the upsert also locks its row), a reset if asked, the batches (stored runs they
 * overlap are taken out, split around them and the uncovered pieces put back), then the state
 * below the start offset dropped. Partitions are written in (topic, partition) order so that
 * concurrent writers lock in one order. A partition that does not exist throws
 * `MissingPartitionError`.
 */
export async function writeSharePartitions(
  client: PoolClient,
  writes: readonly SharePartitionWrite[],
): Promise<void> {
  const ordered = [...writes].sort((a, b) => a.topicId - b.topicId || a.partition - b.partition);
  for (const write of ordered) {
    const key = [write.groupId, write.topicId, write.partition];
    try {
      await client.query(UPSERT_PARTITION, [...key, write.startOffset, write.endOffset]);
    } catch (error) {
      if (missingPartitionOf(error, 'share_partitions_partition_fkey')) {
        throw new MissingPartitionError(write.topicId, write.partition);
      }
      throw error;
    }
    if (write.resetAll) {
      await client.query(
        'DELETE FROM share_state_batches WHERE group_id = $1 AND topic_id = $2 AND partition = $3',
        key,
      );
    }
    if (write.batches.length > 0) {
      const { rows } = await client.query<BatchColumns>(TAKE_OVERLAPPING, [
        ...key,
        write.batches.map((b) => b.firstOffset),
        write.batches.map((b) => b.lastOffset),
      ]);
      const runs = replaceRuns(rows.map(toBatch), write.batches);
      await client.query(INSERT_RUNS, [
        ...key,
        runs.map((r) => r.firstOffset),
        runs.map((r) => r.lastOffset),
        runs.map((r) => r.state),
        runs.map((r) => r.deliveryCount),
        runs.map((r) => r.memberId),
        runs.map((r) => r.token),
        runs.map((r) => r.acquiredAtMs),
        runs.map((r) => r.lockExpiresAtMs),
        runs.map((r) => r.availableAtMs),
      ]);
    }
    await client.query(TRIM_BELOW_START, [...key, write.startOffset]);
  }
}

/** Every share partition of a group with its runs in offset order (in a snapshot). */
export async function loadSharePartitions(
  client: PoolClient,
  groupId: number,
): Promise<StoredSharePartition[]> {
  const partitions = await client.query<{
    topic_id: number;
    partition: number;
    start_offset: number;
    end_offset: number;
  }>(
    `SELECT topic_id, partition, start_offset, end_offset FROM share_partitions
     WHERE group_id = $1 ORDER BY topic_id, partition`,
    [groupId],
  );
  const batches = await client.query<BatchColumns>(
    `SELECT topic_id, partition, ${BATCH_COLUMNS} FROM share_state_batches
     WHERE group_id = $1 ORDER BY topic_id, partition, first_offset`,
    [groupId],
  );
  const byPartition = new Map<string, StoredSharePartition>();
  const stored = partitions.rows.map((c) => {
    const partition: StoredSharePartition = {
      topicId: c.topic_id,
      partition: c.partition,
      startOffset: c.start_offset,
      endOffset: c.end_offset,
      batches: [],
    };
    byPartition.set(`${c.topic_id}/${c.partition}`, partition);
    return partition;
  });
  for (const c of batches.rows)
    byPartition.get(`${c.topic_id}/${c.partition}`)?.batches.push(toBatch(c));
  return stored;
}
