import {
  GrantedLease,
  HeldLease,
  LeaseStore,
  PartitionKey,
  PartitionLeaseRow,
} from '../../cluster/lease-store';
import { msOf } from './postgres-node-registry';
import { TransactionRunner, WorkMode } from './transaction-runner';

const GRANTED = `l.topic_id, l.partition, l.epoch,
  ${msOf('l.expires_at')} AS expires_at_ms, ${msOf('now()')} AS at_ms`;

const TABLE = `
  SELECT p.topic_id, p.partition, l.owner, l.epoch, l.expires_at < now() AS expired
  FROM partitions p LEFT JOIN partition_leases l USING (topic_id, partition)
  ORDER BY p.topic_id, p.partition`;

const RENEW = `
  UPDATE partition_leases l SET expires_at = now() + $2 * interval '1 millisecond'
  FROM unnest($3::bigint[], $4::integer[], $5::bigint[]) AS h (topic_id, partition, epoch)
  WHERE l.topic_id = h.topic_id AND l.partition = h.partition
    AND l.owner = $1 AND l.epoch = h.epoch
  RETURNING ${GRANTED}`;

// Rows are inserted in key order, so that two nodes taking overlapping sets do not deadlock.
// A free partition gets epoch 1; an expired lease moves to epoch + 1; a live one is untouched.
const ACQUIRE = `
  INSERT INTO partition_leases AS l (topic_id, partition, owner, epoch, expires_at)
  SELECT p.topic_id, p.partition, $1, 1, now() + $2 * interval '1 millisecond'
  FROM unnest($3::bigint[], $4::integer[]) AS w (topic_id, partition)
  JOIN partitions p ON p.topic_id = w.topic_id AND p.partition = w.partition
  ORDER BY p.topic_id, p.partition
  ON CONFLICT (topic_id, partition) DO UPDATE
    SET owner = EXCLUDED.owner, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
    WHERE l.expires_at < now()
  RETURNING ${GRANTED}`;

const RELEASE = `
  UPDATE partition_leases l SET expires_at = now()
  FROM unnest($2::bigint[], $3::integer[], $4::bigint[]) AS h (topic_id, partition, epoch)
  WHERE l.topic_id = h.topic_id AND l.partition = h.partition
    AND l.owner = $1 AND l.epoch = h.epoch AND l.expires_at > now()
  RETURNING ${GRANTED}`;

interface TableColumns {
  topic_id: number;
  partition: number;
  owner: string | null;
  epoch: number | null;
  expired: boolean | null;
}

interface GrantedColumns {
  topic_id: number;
  partition: number;
  epoch: number;
  expires_at_ms: number;
  at_ms: number;
}

const toGranted = (row: GrantedColumns): GrantedLease => ({
  topicId: row.topic_id,
  partition: row.partition,
  epoch: row.epoch,
  expiresAtMs: Math.floor(row.expires_at_ms),
  atMs: Math.floor(row.at_ms),
});

const heldColumns = (held: readonly HeldLease[]) => [
  held.map((lease) => lease.topicId),
  held.map((lease) => lease.partition),
  held.map((lease) => lease.epoch),
];

/**
 * The partition lease table on PostgreSQL (`partition_leases`, one small row per partition).
 * Each call is one single-statement transaction, so no lease row is ever locked across a round
 * trip to a node; every expiry is compared with the database's `now()`.
 */
export class PostgresLeaseStore implements LeaseStore {
  constructor(private readonly runner: TransactionRunner) {}

  table(): Promise<PartitionLeaseRow[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<TableColumns>(TABLE);
      return rows.map((row) => ({
        topicId: row.topic_id,
        partition: row.partition,
        lease:
          row.owner === null
            ? null
            : { owner: row.owner, epoch: row.epoch ?? 0, expired: row.expired ?? true },
      }));
    });
  }

  async renew(
    nodeId: string,
    held: readonly HeldLease[],
    leaseMs: number,
  ): Promise<GrantedLease[]> {
    if (held.length === 0) return [];
    return this.grant(RENEW, [nodeId, leaseMs, ...heldColumns(held)]);
  }

  async acquire(
    nodeId: string,
    wanted: readonly PartitionKey[],
    leaseMs: number,
  ): Promise<GrantedLease[]> {
    if (wanted.length === 0) return [];
    return this.grant(ACQUIRE, [
      nodeId,
      leaseMs,
      wanted.map((key) => key.topicId),
      wanted.map((key) => key.partition),
    ]);
  }

  async release(nodeId: string, held: readonly HeldLease[]): Promise<GrantedLease[]> {
    if (held.length === 0) return [];
    return this.grant(RELEASE, [nodeId, ...heldColumns(held)]);
  }

  private grant(text: string, values: unknown[]): Promise<GrantedLease[]> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      const { rows } = await client.query<GrantedColumns>(text, values);
      return rows.map(toGranted);
    });
  }
}
