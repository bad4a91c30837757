import { PoolClient } from 'pg';
import { NotPartitionOwnerError } from '../../cluster/lease-store';

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
