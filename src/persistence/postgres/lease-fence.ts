import { PoolClient } from 'pg';
import { NotPartitionOwnerError } from '../../cluster/lease-store';
import type { WriteFence } from '../port/write-fence';

const CHECK = `
  SELECT owner, epoch, expires_at > now() AS live FROM partition_leases
  WHERE topic_id = $1 AND partition = $2
  FOR SHARE`;

/**
 * The fence of a write: call it first inside the write's transaction. Passes only when
 * `nodeId` holds the partition's lease at exactly `epoch` and the lease has not expired by
 * database time; otherwise throws `NotPartitionOwnerError` (code `NOT_PARTITION_OWNER`) and
 * the caller's transaction rolls back. The row is share-locked until the transaction ends, so
 * no other node can take the lease (epoch + 1) while the write is in flight: a write fenced at
 * epoch e commits before epoch e + 1 begins, or not at all. The connection's `lock_timeout`
 * and `idle_in_transaction_session_timeout`, below the lease, bound how long a frozen writer
 * can delay a takeover.
 */
export async function assertLease(
  client: PoolClient,
  topicId: number,
  partition: number,
  nodeId: string,
  epoch: number,
): Promise<void> {
  const { rows } = await client.query<{ owner: string; epoch: number; live: boolean }>(CHECK, [
    topicId,
    partition,
  ]);
  const row = rows[0];
  if (row === undefined) throw new NotPartitionOwnerError(topicId, partition);
  if (row.owner !== nodeId || Number(row.epoch) !== epoch || !row.live) {
    throw new NotPartitionOwnerError(topicId, partition, {
      owner: row.owner,
      epoch: Number(row.epoch),
    });
  }
}

const CHECK_MANY = `
  SELECT l.topic_id, l.partition, l.owner, l.epoch, l.expires_at > now() AS live
  FROM partition_leases l
  JOIN unnest($1::bigint[], $2::integer[]) AS w (topic_id, partition)
    ON l.topic_id = w.topic_id AND l.partition = w.partition
  ORDER BY l.topic_id, l.partition
  FOR SHARE OF l`;

/** A partition to fence a write of, with the lease it is written under. */
export interface FencedPartition {
  topicId: number;
  partition: number;
  nodeId: string;
  epoch: number;
}

/**
 * The holder of the adapter's `WriteFence` (set by the cluster runtime) and the check every
 * partition write makes first in its transaction: one statement that share-locks the lease
 * rows of every partition the write touches, in key order, and passes only when each is held
 * by the fence's node at the fence's epoch and has not expired by database time (as
 * `assertLease`). Without a fence (a single node) it does nothing.
 */
export class WriteFences {
  private fence: WriteFence | null = null;

  set(fence: WriteFence | null): void {
    this.fence = fence;
  }

  /** Throws `NotPartitionOwnerError` (the transaction rolls back) unless every lease holds. */
  async check(
    client: PoolClient,
    partitions: Iterable<{ topicId: number; partition: number }>,
  ): Promise<void> {
    const fence = this.fence;
    if (fence === null) return;
    const wanted = new Map<string, FencedPartition>();
    for (const { topicId, partition } of partitions) {
      const key = `${topicId}/${partition}`;
      if (wanted.has(key)) continue;
      const token = fence(topicId, partition);
      if (token !== null) wanted.set(key, { topicId, partition, ...token });
    }
    if (wanted.size === 0) return;
    const sorted = [...wanted.values()].sort(
      (a, b) => a.topicId - b.topicId || a.partition - b.partition,
    );
    if (sorted.length === 1) {
      const [only] = sorted as [FencedPartition];
      return assertLease(client, only.topicId, only.partition, only.nodeId, only.epoch);
    }
    const { rows } = await client.query<{
      topic_id: number;
      partition: number;
      owner: string;
      epoch: number;
      live: boolean;
    }>(CHECK_MANY, [sorted.map((p) => p.topicId), sorted.map((p) => p.partition)]);
    const found = new Map(rows.map((row) => [`${Number(row.topic_id)}/${row.partition}`, row]));
    sorted.forEach((wantedLease) => {
      const row = found.get(`${wantedLease.topicId}/${wantedLease.partition}`);
      if (
        row?.owner === wantedLease.nodeId &&
        Number(row.epoch) === wantedLease.epoch &&
        row.live === true
      )
        return;
      throw new NotPartitionOwnerError(wantedLease.topicId, wantedLease.partition, {
        owner: row?.owner ?? null,
        epoch: row === undefined ? null : Number(row.epoch),
      });
    });
  }
}
