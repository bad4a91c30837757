import { WeirError, WeirErrorCode } from './errors';
import { httpsRequest } from './https-request';

/** Where the broker is, and the token its requests carry (`Authorization: Bearer`). */
export interface Endpoint {
  /** `http://host:port` (or `https://`) of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when the broker has auth on. */
  token?: string;
  /**
   * PEM certificate(s) of the authority to trust for `https://` and `wss://`, besides the
   * system's: for a broker whose certificate is self-signed or from a private CA.
   */
  ca?: string | Buffer;
}

/** The headers of a request to `endpoint`. */
export function authHeaders(endpoint: Endpoint): Record<string, string> {
  return endpoint.token === undefined ? {} : { authorization: `Bearer ${endpoint.token}` };
}

/** `{ token, ca }` of `endpoint`, without undefined fields: for options that take none. */
export function tokenOf(endpoint: { token?: string; ca?: string | Buffer }): {
  token?: string;
  ca?: string | Buffer;
} {
  return {
    ...(endpoint.token === undefined ? {} : { token: endpoint.token }),
    ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
  };
}

/** Per-request options of {@link requestJson}. */
export interface RequestOptions {
  /** Abandons the request (it fails with `CLOSED`). */
  signal?: AbortSignal;
  /** Fails the request with `TIMEOUT` when no answer came by then (default 30,000 ms). */
  timeoutMs?: number;
}

interface ErrorAnswer {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/**
 * Sends one JSON request to the broker over Node's global `fetch` (which keeps connections
 * alive; with a `ca`, over `node:https`) and answers the parsed body, `undefined` for 204. A non-2xx answer becomes a
 * {@link WeirError} with the broker's code, status and details; no answer becomes
 * `NETWORK_ERROR`, `TIMEOUT` or `CLOSED`.
 */
export async function requestJson<T>(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let status: number;
  let text: string;
  try {
    const url = `${endpoint.url.replace(/\/$/, '')}${path}`;
    const headers = {
      ...authHeaders(endpoint),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const payload = body === undefined ? null : JSON.stringify(body);
    if (endpoint.ca !== undefined && url.startsWith('https:')) {
      ({ status, text } = await httpsRequest(url, method, headers, payload, endpoint.ca, signal));
    } else {
      const response = await fetch(url, { method, headers, body: payload, signal });
      status = response.status;
      text = await response.text();
    }
  } catch (error) {
    if (options.signal?.aborted) {
      throw new WeirError(WeirErrorCode.CLOSED, `${method} ${path} abandoned`);
    }
    if (timeout.aborted) {
      throw new WeirError(WeirErrorCode.TIMEOUT, `${method} ${path} had no answer in time`);
    }
    throw new WeirError(WeirErrorCode.NETWORK_ERROR, `${method} ${path}: ${describe(error)}`);
  }
  const parsed = parseJson(text);
  if (status < 200 || status > 299) throw toWeirError(status, parsed, `${method} ${path}`);
  if (parsed === NOT_JSON) {
    throw new WeirError(WeirErrorCode.BAD_RESPONSE, `${method} ${path}: the answer is not JSON`);
  }
  return parsed as T;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function toWeirError(status: number, body: unknown, what: string): WeirError {
  const error = typeof body === 'object' && body !== null ? (body as ErrorAnswer).error : undefined;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `${what}: HTTP ${status}`;
  return new WeirError(code, message, status, error?.details);
}

/** fetch hides the reason of a network failure in `cause` (ECONNREFUSED, socket hang up). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
