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
  // 2: share groups (queues)
  `
  CREATE TABLE share_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE TABLE share_partitions (
    group_id INTEGER NOT NULL REFERENCES share_groups(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic_id, partition)
  ) WITHOUT ROWID;
  CREATE TABLE share_records (
    group_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    record_offset INTEGER NOT NULL,
    state INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL,
    member_id TEXT,
    receipt TEXT,
    acquired_at_ms INTEGER,
    lock_expires_at_ms INTEGER,
    available_at_ms INTEGER,
    PRIMARY KEY (group_id, topic_id, partition, record_offset)
  ) WITHOUT ROWID;
  `,
  // 3: committed offsets of streaming consumer groups; deleting a partition deletes its offsets
  `
  CREATE TABLE stream_offsets (
    group_name TEXT NOT NULL,
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    committed_offset INTEGER NOT NULL,
    committed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (group_name, topic_id, partition),
    FOREIGN KEY (topic_id, partition) REFERENCES partitions (topic_id, partition) ON DELETE CASCADE
  ) WITHOUT ROWID;
  CREATE INDEX stream_offsets_by_partition ON stream_offsets (topic_id, partition);
  `,
  // 4: the index of dead-letter records: lineage for listing and filtering, and what was redriven
  `
  CREATE TABLE dead_letters (
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    record_offset INTEGER NOT NULL,
    reason TEXT NOT NULL,
    dead_lettered_at_ms INTEGER NOT NULL,
    source_topic TEXT NOT NULL,
    source_partition INTEGER NOT NULL,
    source_offset INTEGER NOT NULL,
    redriven_at_ms INTEGER,
    redriven_to TEXT,
    PRIMARY KEY (topic_id, partition, record_offset)
  ) WITHOUT ROWID;
  `,
  // 5: the storage port: records keep the JSON fragment they are served as (`wire`; rows without
  // it are served from the legacy columns), and share state is kept as runs of offsets
  `
  ALTER TABLE records ADD COLUMN wire TEXT;
  CREATE TABLE share_state_batches (
    group_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    partition INTEGER NOT NULL,
    first_offset INTEGER NOT NULL,
    last_offset INTEGER NOT NULL,
    state INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL,
    member_id TEXT,
    token TEXT,
    acquired_at_ms INTEGER,
    lock_expires_at_ms INTEGER,
    available_at_ms INTEGER,
    PRIMARY KEY (group_id, topic_id, partition, first_offset)
  ) WITHOUT ROWID;
  CREATE INDEX share_state_batches_by_partition ON share_state_batches (topic_id, partition);
  `,
];
