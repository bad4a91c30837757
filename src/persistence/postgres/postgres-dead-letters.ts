import type { DeadLetterRow, DeadLetterSummary } from '../port/rows';
import type { DeadLetterStorage, RedriveItem } from '../port/dead-letter-storage';
import type { PartitionBounds } from '../port/log-storage';
import { afterCommit, BoundsReport, NO_REPORT } from './bounds-report';
import { appendBatches } from './record-rows';
import { TransactionRunner, WorkMode } from './transaction-runner';

const ROW_COLUMNS = `topic_id AS "topicId", partition, record_offset AS "offset", reason,
  dead_lettered_at_ms AS "deadLetteredAtMs", source_topic AS "sourceTopic",
  source_partition AS "sourcePartition", source_offset AS "sourceOffset",
  redriven_at_ms AS "redrivenAtMs", redriven_to AS "redrivenTo"`;

// Locks the index rows not yet redriven, in key order (concurrent redrives queue, then find
// the rows redriven and append nothing).
const LOCK_UNREDRIVEN = `
  SELECT d.topic_id, d.partition, d.record_offset FROM dead_letters d
  JOIN unnest($1::bigint[], $2::integer[], $3::bigint[]) AS i (topic_id, partition, record_offset)
    ON d.topic_id = i.topic_id AND d.partition = i.partition AND d.record_offset = i.record_offset
  WHERE d.redriven_at_ms IS NULL
  ORDER BY d.topic_id, d.partition, d.record_offset
  FOR UPDATE OF d`;

const MARK_REDRIVEN = `
  UPDATE dead_letters d SET redriven_at_ms = $7,
    redriven_to = t.name || '/' || m.to_partition || '/' || m.to_offset
  FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[], $6::bigint[])
    AS m (topic_id, partition, record_offset, to_topic_id, to_partition, to_offset)
  JOIN topics t ON t.id = m.to_topic_id
  WHERE d.topic_id = m.topic_id AND d.partition = m.partition AND d.record_offset = m.record_offset`;

const fromKey = (from: RedriveItem['from']) => `${from.topicId}/${from.partition}/${from.offset}`;

/** The dead-letter index on PostgreSQL, and redrive. */
export class PostgresDeadLetters implements DeadLetterStorage {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly report: BoundsReport = NO_REPORT,
  ) {}

  summaries(): Promise<DeadLetterSummary[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<DeadLetterSummary>(
        `SELECT d.topic_id AS "topicId", d.reason, count(*)::integer AS records,
           min(d.dead_lettered_at_ms) AS "oldestAtMs"
         FROM dead_letters d JOIN partitions p ON p.topic_id = d.topic_id AND p.partition = d.partition
         WHERE d.record_offset >= p.log_start_offset
         GROUP BY d.topic_id, d.reason ORDER BY d.topic_id, d.reason`,
      );
      return rows;
    });
  }

  range(topicId: number, partition: number, from: number, to: number): Promise<DeadLetterRow[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<DeadLetterRow>(
        `SELECT ${ROW_COLUMNS} FROM dead_letters
         WHERE topic_id = $1 AND partition = $2 AND record_offset >= $3 AND record_offset < $4
         ORDER BY record_offset`,
        [topicId, partition, from, to],
      );
      return rows;
    });
  }

  /**
   * Locks the items' index rows that are not redriven yet, appends a copy for each (the first
   * occurrence of an item repeated in one call), and marks them redriven with where the copy
   * went (`topic/partition/offset`), in one transaction. Items already redriven, or without an
   * index row, answer null.
   */
  redrive(items: readonly RedriveItem[], atMs: number): Promise<Array<number | null>> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        if (items.length === 0) return { value: [] };
        const { rows } = await client.query<{
          topic_id: number;
          partition: number;
          record_offset: number;
        }>(LOCK_UNREDRIVEN, [
          items.map((i) => i.from.topicId),
          items.map((i) => i.from.partition),
          items.map((i) => i.from.offset),
        ]);
        const open = new Set(
          rows.map((r) =>
            fromKey({ topicId: r.topic_id, partition: r.partition, offset: r.record_offset }),
          ),
        );
        const chosen: RedriveItem[] = [];
        const answer: Array<number | null> = items.map((item) => {
          const key = fromKey(item.from);
          if (!open.has(key)) return null;
          open.delete(key);
          chosen.push(item);
          return chosen.length - 1;
        });
        if (chosen.length === 0) return { value: answer };
        const bounds: PartitionBounds[] = [];
        const offsets = await appendBatches(
          client,
          chosen.map((item) => ({ ...item.to, records: [item.record] })),
          bounds,
        );
        await client.query(MARK_REDRIVEN, [
          chosen.map((i) => i.from.topicId),
          chosen.map((i) => i.from.partition),
          chosen.map((i) => i.from.offset),
          chosen.map((i) => i.to.topicId),
          chosen.map((i) => i.to.partition),
          offsets,
          atMs,
        ]);
        return {
          value: answer.map((index) => (index === null ? null : offsets[index]!)),
          bounds,
        };
      }),
    );
  }
}
