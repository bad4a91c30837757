import { AppendRecord } from '../../src/persistence/port/log-storage';
import { PostgresStorageOptions } from '../../src/persistence/postgres/postgres-options';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { PostgresServer } from './postgres-server';

/**
 * One PostgreSQL server for a spec file, a fresh database per test (owned by the Weir role),
 * and the storages opened on it, closed at the end.
 */
export class PostgresDatabases {
  private server: PostgresServer | null = null;
  private readonly opened: PostgresStorage[] = [];
  private count = 0;

  async start(): Promise<void> {
    this.server = await PostgresServer.start();
  }

  get running(): PostgresServer {
    if (!this.server) throw new Error('server not started');
    return this.server;
  }

  /** A new empty database; resolves with its URL. */
  fresh(): Promise<string> {
    this.count += 1;
    return this.running.createDatabase(`weir_test_${process.pid}_${this.count}`);
  }

  /** Opens a storage on `url` (closed by `stop`). */
  async open(url: string, options: Partial<PostgresStorageOptions> = {}): Promise<PostgresStorage> {
    const storage = await PostgresStorage.open({ urls: [url], ...options });
    this.opened.push(storage);
    return storage;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.opened.map((storage) => storage.close()));
    await this.server?.stop();
  }
}

/** A record whose fragment carries `value` as JSON, with the log's size rule. */
export function jsonRecord(
  value: unknown,
  options: { key?: string; timestampMs?: number; headers?: Record<string, string> } = {},
): AppendRecord {
  const timestampMs = options.timestampMs ?? 1_700_000_000_000;
  const headers = options.headers ?? {};
  const json = JSON.stringify(value);
  let wire = `"timestampMs":${timestampMs}`;
  if (options.key !== undefined) wire += `,"key":${JSON.stringify(options.key)}`;
  wire += `,"value":${json},"headers":${JSON.stringify(headers)}`;
  let sizeBytes = Buffer.byteLength(json);
  if (options.key !== undefined) sizeBytes += Buffer.byteLength(options.key);
  for (const [name, v] of Object.entries(headers)) {
    sizeBytes += Buffer.byteLength(name) + Buffer.byteLength(v);
  }
  return {
    timestampMs,
    key: options.key === undefined ? null : Buffer.from(options.key),
    wire,
    sizeBytes,
  };
}

/** The default topic config of the tests. */
export const TOPIC_CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1_048_576 };
