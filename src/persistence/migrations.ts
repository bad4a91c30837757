/**
 * Schema migrations, applied in order; migration N brings `user_version` to N.
 * Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    partitions INTEGER NOT NULL,
    retention_ms INTEGER NOT NULL,
    retention_bytes INTEGER NOT NULL,
    max_message_bytes INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE TABLE partitions (
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    partition INTEGER NOT NULL,
    log_start_offset INTEGER NOT NULL DEFAULT 0,
    log_end_offset INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, partition)
  ) WITHOUT ROWID;
  CREATE TABLE records (
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    record_offset INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    key_format INTEGER NOT NULL,
    key BLOB,
    value_format INTEGER NOT NULL,
    value BLOB,
    headers TEXT,
    size INTEGER NOT NULL,
    PRIMARY KEY (topic_id, partition, record_offset)
  ) WITHOUT ROWID;
  `,
];
