import { PoolClient } from 'pg';

/**
 * The PostgreSQL schema, as migrations applied in order: migration N brings the version in
 * `weir_schema` to N. Never edit a released migration: append a new one.
 *
 * The data model is SQLite's (`../migrations.ts`) with the storage port's forms: each record
 * keeps the JSON fragment it is served as (`wire`), share state is kept as runs of offsets
 * (`share_state_batches`), and deleting a partition cascades to everything that refers to it
 * (share partitions and their state, dead-letter index rows, committed offsets). Records have
 * no foreign key (appends stay cheap); `deleteTopic` deletes them explicitly.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE topics (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    partitions integer NOT NULL,
    retention_ms bigint NOT NULL,
    retention_bytes bigint NOT NULL,
    max_message_bytes bigint NOT NULL,
    created_at_ms bigint NOT NULL
  );
  -- Hot rows (every append updates one): room on the page keeps their updates HOT.
  CREATE TABLE partitions (
    topic_id bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    partition integer NOT NULL,
    log_start_offset bigint NOT NULL DEFAULT 0,
    log_end_offset bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, partition)
  ) WITH (fillfactor = 50);
  -- Appended at the tail, deleted from the head by primary-key ranges: vacuum often, so the
  -- space freed at the head is reused by new records instead of growing the table.
  CREATE TABLE records (
    topic_id bigint NOT NULL,
    record_offset bigint NOT NULL,
    timestamp_ms bigint NOT NULL,
    partition integer NOT NULL,
    size integer NOT NULL,
    key bytea,
    wire text NOT NULL,
    PRIMARY KEY (topic_id, partition, record_offset)
  ) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05);
  CREATE TABLE share_groups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    config text NOT NULL,
    created_at_ms bigint NOT NULL
  );
  CREATE TABLE share_partitions (
    group_id bigint NOT NULL REFERENCES share_groups (id) ON DELETE CASCADE,
    topic_id bigint NOT NULL,
    partition integer NOT NULL,
    start_offset bigint NOT NULL,
    end_offset bigint NOT NULL,
    PRIMARY KEY (group_id, topic_id, partition),
    CONSTRAINT share_partitions_partition_fkey FOREIGN KEY (topic_id, partition)
      REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
  );
  CREATE INDEX share_partitions_by_partition ON share_partitions (topic_id, partition);
  CREATE TABLE share_state_batches (
    group_id bigint NOT NULL,
    topic_id bigint NOT NULL,
    partition integer NOT NULL,
    first_offset bigint NOT NULL,
    last_offset bigint NOT NULL,
    state integer NOT NULL,
    delivery_count integer NOT NULL,
    member_id text,
    token text,
    acquired_at_ms bigint,
    lock_expires_at_ms bigint,
    available_at_ms bigint,
    PRIMARY KEY (group_id, topic_id, partition, first_offset),
    FOREIGN KEY (group_id, topic_id, partition)
      REFERENCES share_partitions (group_id, topic_id, partition) ON DELETE CASCADE,
    CHECK (first_offset <= last_offset)
  );
  CREATE TABLE stream_offsets (
    group_name text NOT NULL,
    topic_id bigint NOT NULL,
    partition integer NOT NULL,
    committed_offset bigint NOT NULL,
    committed_at_ms bigint NOT NULL,
    PRIMARY KEY (group_name, topic_id, partition),
    CONSTRAINT stream_offsets_partition_fkey FOREIGN KEY (topic_id, partition)
      REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
  );
  CREATE INDEX stream_offsets_by_partition ON stream_offsets (topic_id, partition);
  CREATE TABLE dead_letters (
    topic_id bigint NOT NULL,
    partition integer NOT NULL,
    record_offset bigint NOT NULL,
    reason text NOT NULL,
    dead_lettered_at_ms bigint NOT NULL,
    source_topic text NOT NULL,
    source_partition integer NOT NULL,
    source_offset bigint NOT NULL,
    redriven_at_ms bigint,
    redriven_to text,
    PRIMARY KEY (topic_id, partition, record_offset),
    FOREIGN KEY (topic_id, partition) REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
  );
  `,
  // Several nodes (DESIGN §7): the node registry and one lease per partition. Expiry is always
  // the database's time. Both tables are hot (a heartbeat or a renewal every fraction of the
  // lease) and small: room on the page keeps their updates HOT.
  `
  CREATE TABLE nodes (
    node_id text PRIMARY KEY,
    url text NOT NULL,
    last_seen timestamptz NOT NULL,
    started_at timestamptz NOT NULL
  ) WITH (fillfactor = 50);
  CREATE TABLE partition_leases (
    topic_id bigint NOT NULL,
    partition integer NOT NULL,
    owner text NOT NULL,
    epoch bigint NOT NULL CHECK (epoch > 0),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (topic_id, partition),
    FOREIGN KEY (topic_id, partition) REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
  ) WITH (fillfactor = 50);
  `,
  // Streaming groups in a cluster (DESIGN §7 "State"): one coordinator lease per group, the
  // same rules as a partition's. Committed offsets are written under it (fenced).
  `
  CREATE TABLE group_leases (
    group_name text PRIMARY KEY,
    owner text NOT NULL,
    epoch bigint NOT NULL CHECK (epoch > 0),
    expires_at timestamptz NOT NULL
  ) WITH (fillfactor = 50);
  `,
];

/** The schema version this build of Weir migrates to. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Key of the transaction-level advisory lock that admits one migrator at a time ('Weir'). */
const MIGRATION_LOCK_KEY = 0x57656972;

/**
 * Brings the schema to `POSTGRES_SCHEMA_VERSION`, inside the caller's transaction, behind an
 * advisory lock: nodes that start together against an empty database queue on the lock, the
 * first migrates, the others find the version already there. DDL is transactional, so a
 * migration that fails leaves nothing behind. Refuses a database migrated by a newer Weir.
 */
export async function migrateSchema(client: PoolClient): Promise<number> {
  // Waiting for another node's migration is expected; bounded by the statement timeout.
  await client.query("SET LOCAL lock_timeout = '0'");
  await client.query("SET LOCAL statement_timeout = '120s'");
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await client.query('CREATE TABLE IF NOT EXISTS weir_schema (version integer NOT NULL)');
  const { rows } = await client.query<{ version: number }>('SELECT version FROM weir_schema');
  const current = rows[0]?.version ?? 0;
  if (rows.length === 0) await client.query('INSERT INTO weir_schema (version) VALUES (0)');
  if (current > POSTGRES_SCHEMA_VERSION) {
    throw new Error(
      `the database schema is at version ${current}, newer than this Weir's ${POSTGRES_SCHEMA_VERSION}`,
    );
  }
  for (let version = current + 1; version <= POSTGRES_SCHEMA_VERSION; version++) {
    await client.query(POSTGRES_MIGRATIONS[version - 1]!);
    await client.query('UPDATE weir_schema SET version = $1', [version]);
  }
  return POSTGRES_SCHEMA_VERSION;
}
