import { z } from 'zod';
import { flag, integer } from './env-types';

const SECOND_MS = 1000;
const MIB = 1024 * 1024;

/**
 * The WEIR_* variables of authentication, TLS and the limits that bound memory and work per
 * client; merged into the broker's environment schema.
 */
export const securityEnvironmentSchema = z.object({
  /** JSON file of tokens and permissions (docs/api.md "Security"); re-read on SIGHUP. */
  WEIR_AUTH_FILE: z.string().min(1).optional(),
  /** Listen on a non-loopback address without `WEIR_AUTH_FILE` (logs a warning at start). */
  WEIR_ALLOW_UNAUTHENTICATED: flag(false),
  /** Serve `GET /metrics` without a token even when auth is on. */
  WEIR_METRICS_PUBLIC: flag(false),
  /** PEM certificate chain and private key: HTTPS and WSS on the same port. Both or neither. */
  WEIR_TLS_CERT_FILE: z.string().min(1).optional(),
  WEIR_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Open TCP connections (HTTP and WebSocket) in all; more are closed at once. */
  WEIR_MAX_CONNECTIONS: integer(10_000, 1, 1_000_000),
  /** Open TCP connections from one remote address. */
  WEIR_MAX_CONNECTIONS_PER_ADDRESS: integer(1000, 1, 1_000_000),
  /** Subscriptions one WebSocket may hold at once. */
  WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET: integer(100, 1, 100_000),
  /** Members of one streaming consumer group. */
  WEIR_MAX_GROUP_MEMBERS: integer(1000, 1, 100_000),
  /** Request line and headers, in bytes (Node's `maxHeaderSize`); over it: 431. */
  WEIR_MAX_HEADER_BYTES: integer(16 * 1024, 1024, MIB),
  /** Time a client has to send the request line and headers, from the connection or request. */
  WEIR_HEADERS_TIMEOUT_MS: integer(10 * SECOND_MS, 100, 600 * SECOND_MS),
  /** Time a client has to send a whole request, body included (not the time to answer it). */
  WEIR_REQUEST_TIMEOUT_MS: integer(30 * SECOND_MS, 100, 3600 * SECOND_MS),
  /** An HTTP connection kept open after an answer is closed after this much silence. */
  WEIR_KEEP_ALIVE_TIMEOUT_MS: integer(5 * SECOND_MS, 100, 600 * SECOND_MS),
  /**
   * A connection with no bytes in either direction for this long is closed (0: never). Above
   * `WEIR_MAX_WAIT_MS` by default, so long-polls are never cut.
   */
  WEIR_IDLE_TIMEOUT_MS: integer(120 * SECOND_MS, 0, 3600 * SECOND_MS),
  /** How often the timeouts above are checked (Node's `connectionsCheckingInterval`). */
  WEIR_TIMEOUT_CHECK_INTERVAL_MS: integer(1000, 10, 60 * SECOND_MS),
});

type SecurityEnvironment = z.infer<typeof securityEnvironmentSchema>;

/** The validated security and limit settings. Sizes are bytes, durations milliseconds. */
export interface SecurityConfig {
  /** Path of the tokens file; undefined: auth off. */
  authFile: string | undefined;
  allowUnauthenticated: boolean;
  metricsPublic: boolean;
  /** Both paths or neither. */
  tls: { certFile: string; keyFile: string } | undefined;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxSubscriptionsPerSocket: number;
  maxGroupMembers: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no idle timeout. */
  idleTimeoutMs: number;
  timeoutCheckIntervalMs: number;
}

export function toSecurityConfig(e: SecurityEnvironment): SecurityConfig {
  return {
    authFile: e.WEIR_AUTH_FILE,
    allowUnauthenticated: e.WEIR_ALLOW_UNAUTHENTICATED,
    metricsPublic: e.WEIR_METRICS_PUBLIC,
    tls:
      e.WEIR_TLS_CERT_FILE !== undefined && e.WEIR_TLS_KEY_FILE !== undefined
        ? { certFile: e.WEIR_TLS_CERT_FILE, keyFile: e.WEIR_TLS_KEY_FILE }
        : undefined,
    maxConnections: e.WEIR_MAX_CONNECTIONS,
    maxConnectionsPerAddress: e.WEIR_MAX_CONNECTIONS_PER_ADDRESS,
    maxSubscriptionsPerSocket: e.WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET,
    maxGroupMembers: e.WEIR_MAX_GROUP_MEMBERS,
    maxHeaderBytes: e.WEIR_MAX_HEADER_BYTES,
    headersTimeoutMs: e.WEIR_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.WEIR_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.WEIR_KEEP_ALIVE_TIMEOUT_MS,
    idleTimeoutMs: e.WEIR_IDLE_TIMEOUT_MS,
    timeoutCheckIntervalMs: e.WEIR_TIMEOUT_CHECK_INTERVAL_MS,
  };
}

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Problems of combinations that no single variable shows. */
export function securityProblems(
  config: SecurityConfig & { httpHost: string; maxWaitMs: number },
  env: SecurityEnvironment,
): string[] {
  const problems: string[] = [];
  if ((env.WEIR_TLS_CERT_FILE === undefined) !== (env.WEIR_TLS_KEY_FILE === undefined)) {
    problems.push('WEIR_TLS_CERT_FILE and WEIR_TLS_KEY_FILE: give both or neither');
  }
  if (!config.authFile && !config.allowUnauthenticated && !isLoopbackHost(config.httpHost)) {
    problems.push(
      `WEIR_HTTP_HOST: refusing to listen on ${config.httpHost} without authentication; ` +
        'set WEIR_AUTH_FILE (tokens and permissions), or WEIR_ALLOW_UNAUTHENTICATED=true to ' +
        'expose an open broker, or listen on 127.0.0.1',
    );
  }
  if (config.idleTimeoutMs !== 0 && config.idleTimeoutMs <= config.maxWaitMs) {
    problems.push(
      'WEIR_IDLE_TIMEOUT_MS: must be above WEIR_MAX_WAIT_MS (or 0), or long-polls are cut',
    );
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push('WEIR_HEADERS_TIMEOUT_MS: must not exceed WEIR_REQUEST_TIMEOUT_MS');
  }
  if (config.maxConnectionsPerAddress > config.maxConnections) {
    problems.push('WEIR_MAX_CONNECTIONS_PER_ADDRESS: must not exceed WEIR_MAX_CONNECTIONS');
  }
  return problems;
}
