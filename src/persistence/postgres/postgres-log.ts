import {
  LogStorage,
  MissingPartitionError,
  PartitionAppend,
  PartitionBounds,
  RecordPage,
  RecordSummary,
} from '../port/log-storage';
import { AppendGroupOptions, AppendGroups, DEFAULT_APPEND_GROUP_OPTIONS } from './append-groups';
import { afterCommit, BoundsColumns, BoundsReport, NO_REPORT, toBounds } from './bounds-report';
import { WriteFences } from './lease-fence';
import { appendBatches, PAGE_COLUMNS, PageRow, toRecordPage } from './record-rows';
import { TransactionRunner, WorkMode } from './transaction-runner';

// The first record always; then records while the running total of sizes stays within maxBytes.
const READ_PAGE = `
  SELECT ${PAGE_COLUMNS} FROM (
    SELECT ${PAGE_COLUMNS},
      row_number() OVER w AS n, sum(size) OVER w AS running
    FROM records
    WHERE topic_id = $1 AND partition = $2 AND record_offset >= $3
    WINDOW w AS (ORDER BY record_offset ROWS UNBOUNDED PRECEDING)
    ORDER BY record_offset
    LIMIT $4
  ) page
  WHERE n = 1 OR running <= $5
  ORDER BY record_offset`;

const TRUNCATE = `
  WITH gone AS (
    DELETE FROM records
    WHERE topic_id = $1 AND partition = $2 AND record_offset >= $3 AND record_offset < $4
    RETURNING size
  )
  UPDATE partitions SET log_start_offset = $4,
    bytes = bytes - (SELECT coalesce(sum(size), 0) FROM gone)
  WHERE topic_id = $1 AND partition = $2
  RETURNING topic_id, partition, log_start_offset, log_end_offset, bytes`;

/**
 * The log on PostgreSQL. Retention (`truncateHead`) deletes a primary-key range of the
 * partition's head in one statement and moves the log start under the partition row's lock;
 * the records table is tuned to be vacuumed often, so the freed space is reused by the tail.
 * Appends are fenced by the partition's lease (`WriteFences`) in their transaction. Head
 * truncation is not: it only moves the log start forward under the partition row's lock, so it
 * is safe from any node (an operator's purge); retention runs on the owner.
 */
export class PostgresLog implements LogStorage {
  private readonly groups: AppendGroups;

  constructor(
    private readonly runner: TransactionRunner,
    private readonly report: BoundsReport = NO_REPORT,
    private readonly fences: WriteFences = new WriteFences(),
    groupOptions: AppendGroupOptions = DEFAULT_APPEND_GROUP_OPTIONS,
  ) {
    this.groups = new AppendGroups((appends) => this.commitGroup(appends), groupOptions);
  }

  /** Appends with group commit (`AppendGroups`): concurrent appends share one transaction. */
  append(batches: readonly PartitionAppend[]): Promise<number[]> {
    return this.groups.append(batches);
  }

  /** Commits the appends queued or in flight, then refuses new ones. */
  close(): Promise<void> {
    return this.groups.close();
  }

  /**
   * One transaction for a group of appends: fenced on every partition they touch, then each
   * batch appended in the order given; bounds reported once it committed.
   */
  private commitGroup(appends: ReadonlyArray<readonly PartitionAppend[]>): Promise<number[][]> {
    const batches = appends.flat();
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        await this.fences.check(client, batches);
        const bounds: PartitionBounds[] = [];
        const bases = await appendBatches(client, batches, bounds);
        let next = 0;
        const value = appends.map((append) => bases.slice(next, (next += append.length)));
        return { value, bounds };
      }),
    );
  }

  readPage(
    topicId: number,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    maxBytes: number,
  ): Promise<RecordPage> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<PageRow>({
        text: READ_PAGE,
        values: [topicId, partition, fromOffset, Math.max(0, maxRecords), maxBytes],
        rowMode: 'array',
      });
      return toRecordPage(rows);
    });
  }

  readOffsets(topicId: number, partition: number, offsets: readonly number[]): Promise<RecordPage> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<PageRow>({
        text: `SELECT ${PAGE_COLUMNS} FROM records
               WHERE topic_id = $1 AND partition = $2 AND record_offset = ANY ($3::bigint[])
               ORDER BY record_offset`,
        values: [topicId, partition, offsets],
        rowMode: 'array',
      });
      return toRecordPage(rows);
    });
  }

  bounds(): Promise<PartitionBounds[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<BoundsColumns>(
        `SELECT topic_id, partition, log_start_offset, log_end_offset, bytes
         FROM partitions ORDER BY topic_id, partition`,
      );
      return rows.map(toBounds);
    });
  }

  summaries(
    topicId: number,
    partition: number,
    fromOffset: number,
    limit: number,
  ): Promise<RecordSummary[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<RecordSummary>(
        `SELECT record_offset AS "offset", timestamp_ms AS "timestampMs", size AS "sizeBytes"
         FROM records WHERE topic_id = $1 AND partition = $2 AND record_offset >= $3
         ORDER BY record_offset LIMIT $4`,
        [topicId, partition, fromOffset, Math.max(0, limit)],
      );
      return rows;
    });
  }

  truncateHead(
    topicId: number,
    partition: number,
    newStartOffset: number,
  ): Promise<PartitionBounds> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        const locked = await client.query<BoundsColumns>(
          `SELECT topic_id, partition, log_start_offset, log_end_offset, bytes FROM partitions
         WHERE topic_id = $1 AND partition = $2 FOR NO KEY UPDATE`,
          [topicId, partition],
        );
        const current = locked.rows[0];
        if (!current) throw new MissingPartitionError(topicId, partition);
        const target = Math.min(newStartOffset, current.log_end_offset);
        if (target <= current.log_start_offset) return { value: toBounds(current) };
        const { rows } = await client.query<BoundsColumns>(TRUNCATE, [
          topicId,
          partition,
          current.log_start_offset,
          target,
        ]);
        await client.query(
          'DELETE FROM dead_letters WHERE topic_id = $1 AND partition = $2 AND record_offset < $3',
          [topicId, partition, target],
        );
        const bounds = toBounds(rows[0]!);
        return { value: bounds, bounds: [bounds] };
      }),
    );
  }

  offsetAtTime(topicId: number, partition: number, timestampMs: number): Promise<number | null> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<{ record_offset: number }>(
        `SELECT record_offset FROM records
         WHERE topic_id = $1 AND partition = $2 AND timestamp_ms >= $3
         ORDER BY record_offset LIMIT 1`,
        [topicId, partition, timestampMs],
      );
      return rows[0]?.record_offset ?? null;
    });
  }
}
