import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { MissingPartitionError } from '../port/log-storage';
import type {
  SharePartitionWrite,
  ShareStateBatch,
  StoredSharePartition,
} from '../port/share-storage';
import { BatchColumns, toBatch } from '../row-columns';

const partitionKey = (topicId: number, partition: number): string => `${topicId}/${partition}`;

/**
 * Share partitions and their state as runs of offsets (`share_state_batches`). A written batch
 * replaces whatever is stored for its offsets: stored runs it overlaps are split around it. State
 * written by the pre-port code (`share_records`, one row per offset) is read as one-offset runs
 * and replaced the same way, so an upgrade keeps in-flight state. Writes join the caller's
 * transaction.
 */
export class ShareStateTables {
  private readonly partitionExists: Statement<[number, number], unknown>;
  private readonly containing: Statement<[number, number, number, number], BatchColumns>;
  private readonly within: Statement<[number, number, number, number, number], BatchColumns>;
  private readonly deleteRun: Statement;
  private readonly insertRun: Statement;
  private readonly deleteLegacyRange: Statement;
  private readonly upsertPartition: Statement;
  private readonly deleteRunsBelow: Statement;
  private readonly deleteLegacyBelow: Statement;

  constructor(private readonly connection: BetterSqlite3.Database) {
    const c = connection;
    const where = 'group_id = ? AND topic_id = ? AND partition = ?';
    this.partitionExists = c.prepare(
      'SELECT 1 FROM partitions WHERE topic_id = ? AND partition = ?',
    );
    this.containing = c.prepare(
      `SELECT * FROM share_state_batches WHERE ${where} AND first_offset <= ?
       ORDER BY first_offset DESC LIMIT 1`,
    );
    this.within = c.prepare(
      `SELECT * FROM share_state_batches WHERE ${where} AND first_offset > ? AND first_offset <= ?
       ORDER BY first_offset`,
    );
    this.deleteRun = c.prepare(
      `DELETE FROM share_state_batches WHERE ${where} AND first_offset = ?`,
    );
    this.insertRun = c.prepare(
      `INSERT INTO share_state_batches (group_id, topic_id, partition, first_offset, last_offset, state,
         delivery_count, member_id, token, acquired_at_ms, lock_expires_at_ms, available_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteLegacyRange = c.prepare(
      `DELETE FROM share_records WHERE ${where} AND record_offset >= ? AND record_offset <= ?`,
    );
    this.deleteRunsBelow = c.prepare(
      `DELETE FROM share_state_batches WHERE ${where} AND first_offset < ?`,
    );
    this.deleteLegacyBelow = c.prepare(
      `DELETE FROM share_records WHERE ${where} AND record_offset < ?`,
    );
    this.upsertPartition = c.prepare(
      `INSERT INTO share_partitions (group_id, topic_id, partition, start_offset, end_offset) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic_id, partition) DO UPDATE SET
         start_offset = excluded.start_offset, end_offset = excluded.end_offset`,
    );
  }

  /** Every share partition of `groupId` with its runs in offset order. */
  load(groupId: number): StoredSharePartition[] {
    const c = this.connection;
    const partitions = c
      .prepare(
        `SELECT topic_id AS topicId, partition, start_offset AS startOffset, end_offset AS endOffset
         FROM share_partitions WHERE group_id = ? ORDER BY topic_id, partition`,
      )
      .all(groupId) as Array<Omit<StoredSharePartition, 'batches'>>;
    const byKey = new Map<string, StoredSharePartition>();
    const stored = partitions.map((p) => {
      const withBatches = { ...p, batches: [] as ShareStateBatch[] };
      byKey.set(partitionKey(p.topicId, p.partition), withBatches);
      return withBatches;
    });
    const runs = c
      .prepare('SELECT * FROM share_state_batches WHERE group_id = ?')
      .all(groupId) as BatchColumns[];
    const legacy = c
      .prepare(
        `SELECT topic_id, partition, record_offset AS first_offset, record_offset AS last_offset, state,
           delivery_count, member_id, receipt AS token, acquired_at_ms, lock_expires_at_ms, available_at_ms
         FROM share_records WHERE group_id = ?`,
      )
      .all(groupId) as BatchColumns[];
    for (const run of [...runs, ...legacy]) {
      byKey.get(partitionKey(run.topic_id, run.partition))?.batches.push(toBatch(run));
    }
    for (const p of stored) p.batches.sort((a, b) => a.firstOffset - b.firstOffset);
    return stored;
  }

  /** Applies one share partition's change; `MissingPartitionError` when its partition is gone. */
  write(change: SharePartitionWrite): void {
    const { groupId, topicId, partition } = change;
    if (this.partitionExists.get(topicId, partition) === undefined) {
      throw new MissingPartitionError(topicId, partition);
    }
    const c = this.connection;
    const where = 'group_id = ? AND topic_id = ? AND partition = ?';
    if (change.resetAll) {
      c.prepare(`DELETE FROM share_state_batches WHERE ${where}`).run(groupId, topicId, partition);
      c.prepare(`DELETE FROM share_records WHERE ${where}`).run(groupId, topicId, partition);
    }
    for (const batch of change.batches) {
      if (batch.lastOffset < batch.firstOffset) continue;
      this.replaceRange(groupId, topicId, partition, batch.firstOffset, batch.lastOffset);
      this.insert(groupId, topicId, partition, batch);
    }
    this.dropBelow(groupId, topicId, partition, change.startOffset);
    this.upsertPartition.run(groupId, topicId, partition, change.startOffset, change.endOffset);
  }

  /** Forgets a share group's share partitions and state (not the group row). */
  deleteGroup(groupId: number): void {
    for (const table of ['share_state_batches', 'share_records', 'share_partitions']) {
      this.connection.prepare(`DELETE FROM ${table} WHERE group_id = ?`).run(groupId);
    }
  }

  /** Forgets every share group's state of one topic. */
  deleteTopic(topicId: number): void {
    for (const table of ['share_state_batches', 'share_records', 'share_partitions']) {
      this.connection.prepare(`DELETE FROM ${table} WHERE topic_id = ?`).run(topicId);
    }
  }

  /** Removes the stored state of `[first, last]`, keeping the parts of runs outside it. */
  private replaceRange(g: number, t: number, p: number, first: number, last: number): void {
    const overlapping: BatchColumns[] = [];
    const before = this.containing.get(g, t, p, first);
    if (before && before.last_offset >= first) overlapping.push(before);
    overlapping.push(...this.within.all(g, t, p, first, last));
    for (const run of overlapping) {
      this.deleteRun.run(g, t, p, run.first_offset);
      const stored = toBatch(run);
      if (run.first_offset < first) this.insert(g, t, p, { ...stored, lastOffset: first - 1 });
      if (run.last_offset > last) this.insert(g, t, p, { ...stored, firstOffset: last + 1 });
    }
    this.deleteLegacyRange.run(g, t, p, first, last);
  }

  /** Drops state below SPSO: whole runs below it, and the head of a run straddling it. */
  private dropBelow(g: number, t: number, p: number, startOffset: number): void {
    const straddling = this.containing.get(g, t, p, startOffset - 1);
    this.deleteRunsBelow.run(g, t, p, startOffset);
    if (straddling && straddling.last_offset >= startOffset) {
      this.insert(g, t, p, { ...toBatch(straddling), firstOffset: startOffset });
    }
    this.deleteLegacyBelow.run(g, t, p, startOffset);
  }

  private insert(g: number, t: number, p: number, b: ShareStateBatch): void {
    this.insertRun.run(
      g,
      t,
      p,
      b.firstOffset,
      b.lastOffset,
      b.state,
      b.deliveryCount,
      b.memberId,
      b.token,
      b.acquiredAtMs,
      b.lockExpiresAtMs,
      b.availableAtMs,
    );
  }
}
