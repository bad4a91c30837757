import { PoolClient } from 'pg';
import { CatalogueStorage, InitialSharePartition, NameTakenError } from '../port/catalogue-storage';
import type { ShareGroupRow, TopicConfig, TopicRow } from '../port/rows';
import { afterCommit, BoundsColumns, BoundsReport, NO_REPORT, toBounds } from './bounds-report';
import { writeSharePartitions } from './share-state';
import { TransactionRunner, WorkMode } from './transaction-runner';
import { TopicColumns, toTopicRow } from '../row-columns';

const ADD_PARTITIONS = `
  INSERT INTO partitions (topic_id, partition)
  SELECT $1, p FROM generate_series($2::integer, $3::integer - 1) AS p
  ON CONFLICT DO NOTHING
  RETURNING topic_id, partition, log_start_offset, log_end_offset, bytes`;

/**
 * Topics and share groups on PostgreSQL. Names are unique by constraint: a create that finds
 * the name taken (`ON CONFLICT DO NOTHING` returned no row) throws `NameTakenError`, so two
 * nodes creating one name at once get one topic and one `NameTakenError`. Ids come from
 * identity columns and never repeat. Deleting a topic locks its partition rows first (an append
 * in flight finishes before, or finds the partition gone after), deletes its records, then the
 * topic row, which cascades to partitions and everything that refers to them.
 */
export class PostgresCatalogue implements CatalogueStorage {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly report: BoundsReport = NO_REPORT,
  ) {}

  listTopics(): Promise<TopicRow[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<TopicColumns>('SELECT * FROM topics ORDER BY name');
      return rows.map(toTopicRow);
    });
  }

  createTopic(
    name: string,
    partitions: number,
    config: TopicConfig,
    createdAtMs: number,
  ): Promise<TopicRow> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        const { rows } = await client.query<TopicColumns>(
          `INSERT INTO topics (name, partitions, retention_ms, retention_bytes, max_message_bytes, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING *`,
          [
            name,
            partitions,
            config.retentionMs,
            config.retentionBytes,
            config.maxMessageBytes,
            createdAtMs,
          ],
        );
        const row = rows[0];
        if (!row) throw new NameTakenError(name);
        const added = await client.query<BoundsColumns>(ADD_PARTITIONS, [row.id, 0, partitions]);
        return { value: toTopicRow(row), bounds: added.rows.map(toBounds) };
      }),
    );
  }

  alterTopic(topicId: number, partitions: number, config: TopicConfig): Promise<void> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        const { rows } = await client.query<{ partitions: number }>(
          'SELECT partitions FROM topics WHERE id = $1 FOR UPDATE',
          [topicId],
        );
        const current = rows[0];
        if (!current) return { value: undefined };
        const grown = Math.max(current.partitions, partitions);
        const added = await client.query<BoundsColumns>(ADD_PARTITIONS, [
          topicId,
          current.partitions,
          grown,
        ]);
        await client.query(
          `UPDATE topics SET partitions = $2, retention_ms = $3, retention_bytes = $4, max_message_bytes = $5
         WHERE id = $1`,
          [topicId, grown, config.retentionMs, config.retentionBytes, config.maxMessageBytes],
        );
        return { value: undefined, bounds: added.rows.map(toBounds) };
      }),
    );
  }

  deleteTopic(topicId: number): Promise<void> {
    return afterCommit(
      this.report,
      this.runner.run(WorkMode.WRITE, async (client) => {
        await client.query(
          'SELECT partition FROM partitions WHERE topic_id = $1 ORDER BY partition FOR UPDATE',
          [topicId],
        );
        await client.query('DELETE FROM records WHERE topic_id = $1', [topicId]);
        await client.query('DELETE FROM topics WHERE id = $1', [topicId]);
        return { value: undefined, deletedTopicIds: [topicId] };
      }),
    );
  }

  listShareGroups(): Promise<ShareGroupRow[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<ShareGroupRow>(
        `SELECT id, name, config, created_at_ms AS "createdAtMs" FROM share_groups ORDER BY name`,
      );
      return rows;
    });
  }

  /** The highest share-group id the identity sequence issued, or 0 before the first. */
  lastShareGroupId(): Promise<number> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<{ last: string | null }>(
        `SELECT last_value AS last FROM pg_sequences
         WHERE schemaname = current_schema() AND sequencename = 'share_groups_id_seq'`,
      );
      return Number(rows[0]?.last ?? 0);
    });
  }

  createShareGroup(
    name: string,
    config: string,
    createdAtMs: number,
    partitions: readonly InitialSharePartition[],
  ): Promise<ShareGroupRow> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO share_groups (name, config, created_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [name, config, createdAtMs],
      );
      const id = rows[0]?.id;
      if (id === undefined) throw new NameTakenError(name);
      await addSharePartitions(client, id, partitions);
      return { id, name, config, createdAtMs };
    });
  }

  alterShareGroup(
    groupId: number,
    config: string,
    partitions: readonly InitialSharePartition[],
  ): Promise<void> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      const { rowCount } = await client.query('UPDATE share_groups SET config = $2 WHERE id = $1', [
        groupId,
        config,
      ]);
      if (rowCount === 0) return;
      await addSharePartitions(client, groupId, partitions);
    });
  }

  deleteShareGroup(groupId: number): Promise<void> {
    return this.runner.run(WorkMode.WRITE, async (client) => {
      await client.query('DELETE FROM share_groups WHERE id = $1', [groupId]);
    });
  }
}

async function addSharePartitions(
  client: PoolClient,
  groupId: number,
  partitions: readonly InitialSharePartition[],
): Promise<void> {
  await writeSharePartitions(
    client,
    partitions.map((p) => ({ ...p, groupId })),
  );
}
