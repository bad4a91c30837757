import { hostname } from 'node:os';
import { z } from 'zod';
import { flag, integer } from './env-types';
import {
  SecurityConfig,
  securityEnvironmentSchema,
  securityProblems,
  toSecurityConfig,
} from './security-config';

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every WEIR_* environment variable, its default and its range. This is the only place that
 * reads configuration; the rest of the broker receives a `BrokerConfig`.
 */
const environmentSchema = securityEnvironmentSchema.extend({
  /** TCP port of the HTTP and WebSocket server; 0 picks a free one. */
  WEIR_HTTP_PORT: integer(8080, 0, 65535),
  /**
   * Interface to listen on. Loopback by default; another address needs `WEIR_AUTH_FILE` or
   * `WEIR_ALLOW_UNAUTHENTICATED=true`.
   */
  WEIR_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** This node's name in `GET /cluster` (default `<hostname>-<port>`). */
  WEIR_NODE_ID: z.string().min(1).max(200).optional(),
  /** How other nodes and clients reach this node (default `http://<host>:<port>`). */
  WEIR_ADVERTISED_URL: z.url().optional(),
  /**
   * Partition lease of a node in a cluster over PostgreSQL (DESIGN §7): a node that stops
   * renewing loses its partitions after about this long. Must exceed the adapter's lock and
   * idle-in-transaction timeouts (checked when the cluster starts).
   */
  WEIR_LEASE_MS: integer(5000, 300, 600_000),
  /** Directory that holds the SQLite database (`weir.db`). */
  WEIR_DATA_DIR: z.string().min(1).default('./data'),
  /** `normal`: WAL with synchronous=NORMAL (survives a process crash); `full`: fsync per commit. */
  WEIR_STORAGE_SYNC: z.enum(['normal', 'full']).default('normal'),
  /**
   * Where the broker keeps everything: `sqlite` (one node, `weir.db` in `WEIR_DATA_DIR`) or
   * `postgres` (the cluster of `WEIR_POSTGRES_URL`; several nodes may share it).
   */
  WEIR_STORAGE: z.enum(['sqlite', 'postgres']).default('sqlite'),
  /**
   * URLs of the servers of one PostgreSQL cluster, comma-separated
   * (`postgres://user:password@host:port/database`); required with `WEIR_STORAGE=postgres`.
   */
  WEIR_POSTGRES_URL: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim())
        .filter((url) => url !== ''),
    )
    .pipe(
      z
        .array(
          z.string().refine(isPostgresUrl, {
            message: 'each URL must be postgres://user:password@host:port/database',
          }),
        )
        .min(1, { message: 'names no server' }),
    )
    .optional(),
  /** Create a topic on first produce to it. */
  WEIR_AUTO_CREATE_TOPICS: flag(true),
  /** Partitions of an auto-created topic and the default of `POST /topics`. */
  WEIR_DEFAULT_PARTITIONS: integer(1, 1, 1024),
  /** Largest partition count a topic may have. */
  WEIR_MAX_PARTITIONS: integer(1024, 1, 1024),
  /** Default `retentionMs` of a new topic; -1 keeps forever. */
  WEIR_DEFAULT_RETENTION_MS: integer(7 * DAY_MS, -1),
  /** Default `maxMessageBytes` of a new topic (key + value + headers of one record). */
  WEIR_DEFAULT_MAX_MESSAGE_BYTES: integer(MIB, 1, 64 * MIB),
  /** Largest number of records in one produce request. */
  WEIR_MAX_BATCH_RECORDS: integer(10_000, 1, 1_000_000),
  /** Largest HTTP body / WebSocket frame in bytes. */
  WEIR_MAX_REQUEST_BYTES: integer(16 * MIB, 1024, 1024 * MIB),
  /** Cap on `maxRecords` of one read. */
  WEIR_MAX_READ_RECORDS: integer(10_000, 1, 1_000_000),
  /** Cap on `waitMs` of one long-poll. */
  WEIR_MAX_WAIT_MS: integer(30_000, 0, 300_000),
  /** How often the retention cleaner runs. */
  WEIR_RETENTION_INTERVAL_MS: integer(60_000, 10, DAY_MS),
  /** Shortest and longest acquisition lock a group or a receive may ask for. */
  WEIR_MIN_LOCK_MS: integer(1000, 1, DAY_MS),
  WEIR_MAX_LOCK_MS: integer(12 * 3600_000, 1000, 7 * DAY_MS),
  /** Cap on `maxRecords` of one share-group receive. */
  WEIR_MAX_RECEIVE_RECORDS: integer(1000, 1, 100_000),
  /** Largest number of acknowledgements in one request. */
  WEIR_MAX_ACK_BATCH: integer(10_000, 1, 1_000_000),
  /** Shortest and longest `sessionTimeoutMs` a streaming consumer group member may ask for. */
  WEIR_MIN_SESSION_TIMEOUT_MS: integer(6000, 1, DAY_MS),
  WEIR_MAX_SESSION_TIMEOUT_MS: integer(1_800_000, 1, DAY_MS),
  /**
   * Deepest nesting of arrays and objects a JSON body or WebSocket frame may have, the envelope
   * included; checked before parsing, so that no parser or validator recurses past it.
   */
  WEIR_MAX_JSON_DEPTH: integer(64, 8, 1000),
  /** How often every WebSocket is pinged; a socket that misses two pongs is closed. */
  WEIR_WS_PING_INTERVAL_MS: integer(15_000, 10, DAY_MS),
  /** Unsent bytes a WebSocket may queue; past this, records are not pushed to it until it drains. */
  WEIR_WS_MAX_BUFFERED_BYTES: integer(8 * MIB, 1024, 1024 * MIB),
  /** Pino log level. */
  WEIR_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
});

/** The broker's validated configuration. Sizes are bytes, durations milliseconds. */
export interface BrokerConfig extends SecurityConfig {
  httpPort: number;
  httpHost: string;
  /** This node's name (`WEIR_NODE_ID`, default `<hostname>-<port>`). */
  nodeId: string;
  /** How peers and clients reach this node (`WEIR_ADVERTISED_URL`). */
  advertisedUrl: string;
  /** Partition lease period in a cluster (`WEIR_LEASE_MS`). Ms. */
  leaseMs: number;
  dataDir: string;
  storageSync: 'normal' | 'full';
  /** The storage engine (`WEIR_STORAGE`). */
  storage: 'sqlite' | 'postgres';
  /** The PostgreSQL cluster's URLs (`WEIR_POSTGRES_URL`); empty with SQLite. */
  postgresUrls: string[];
  autoCreateTopics: boolean;
  defaultPartitions: number;
  maxPartitions: number;
  defaultRetentionMs: number;
  defaultMaxMessageBytes: number;
  maxBatchRecords: number;
  maxRequestBytes: number;
  maxReadRecords: number;
  maxWaitMs: number;
  retentionIntervalMs: number;
  minLockMs: number;
  maxLockMs: number;
  maxReceiveRecords: number;
  maxAckBatch: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Deepest nesting of a JSON body or frame (arrays and objects), the envelope included. */
  maxJsonDepth: number;
  wsPingIntervalMs: number;
  wsMaxBufferedBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Thrown at start-up with every bad variable listed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the WEIR_* variables of `env`; fails fast listing every problem. */
export function loadBrokerConfig(env: Record<string, string | undefined>): BrokerConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith('WEIR_') && value !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const config: BrokerConfig = {
    httpPort: e.WEIR_HTTP_PORT,
    httpHost: e.WEIR_HTTP_HOST,
    nodeId: e.WEIR_NODE_ID ?? `${hostname()}-${e.WEIR_HTTP_PORT}`,
    advertisedUrl:
      e.WEIR_ADVERTISED_URL ??
      `${e.WEIR_TLS_CERT_FILE ? 'https' : 'http'}://${e.WEIR_HTTP_HOST === '0.0.0.0' ? hostname() : e.WEIR_HTTP_HOST}:${e.WEIR_HTTP_PORT}`,
    leaseMs: e.WEIR_LEASE_MS,
    dataDir: e.WEIR_DATA_DIR,
    storageSync: e.WEIR_STORAGE_SYNC,
    storage: e.WEIR_STORAGE,
    postgresUrls: e.WEIR_POSTGRES_URL ?? [],
    autoCreateTopics: e.WEIR_AUTO_CREATE_TOPICS,
    defaultPartitions: e.WEIR_DEFAULT_PARTITIONS,
    maxPartitions: e.WEIR_MAX_PARTITIONS,
    defaultRetentionMs: e.WEIR_DEFAULT_RETENTION_MS,
    defaultMaxMessageBytes: e.WEIR_DEFAULT_MAX_MESSAGE_BYTES,
    maxBatchRecords: e.WEIR_MAX_BATCH_RECORDS,
    maxRequestBytes: e.WEIR_MAX_REQUEST_BYTES,
    maxReadRecords: e.WEIR_MAX_READ_RECORDS,
    maxWaitMs: e.WEIR_MAX_WAIT_MS,
    retentionIntervalMs: e.WEIR_RETENTION_INTERVAL_MS,
    minLockMs: e.WEIR_MIN_LOCK_MS,
    maxLockMs: e.WEIR_MAX_LOCK_MS,
    maxReceiveRecords: e.WEIR_MAX_RECEIVE_RECORDS,
    maxAckBatch: e.WEIR_MAX_ACK_BATCH,
    minSessionTimeoutMs: e.WEIR_MIN_SESSION_TIMEOUT_MS,
    maxSessionTimeoutMs: e.WEIR_MAX_SESSION_TIMEOUT_MS,
    maxJsonDepth: e.WEIR_MAX_JSON_DEPTH,
    wsPingIntervalMs: e.WEIR_WS_PING_INTERVAL_MS,
    wsMaxBufferedBytes: e.WEIR_WS_MAX_BUFFERED_BYTES,
    logLevel: e.WEIR_LOG_LEVEL,
    ...toSecurityConfig(e),
  };
  const problems: string[] = [];
  if (config.defaultPartitions > config.maxPartitions) {
    problems.push('WEIR_DEFAULT_PARTITIONS: must not exceed WEIR_MAX_PARTITIONS');
  }
  if (config.minLockMs > config.maxLockMs) {
    problems.push('WEIR_MIN_LOCK_MS: must not exceed WEIR_MAX_LOCK_MS');
  }
  if (config.minSessionTimeoutMs > config.maxSessionTimeoutMs) {
    problems.push('WEIR_MIN_SESSION_TIMEOUT_MS: must not exceed WEIR_MAX_SESSION_TIMEOUT_MS');
  }
  if (config.storage === 'postgres' && config.postgresUrls.length === 0) {
    problems.push('WEIR_POSTGRES_URL: required when WEIR_STORAGE=postgres');
  }
  problems.push(...securityProblems(config, e));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
