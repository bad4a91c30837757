import { BrokerError, ErrorBody, ErrorCode } from '../common/errors';

/**
 * The header a node sets on a request it forwards: the receiving node serves it with what it
 * owns and never forwards it again (no loops, no second hop). A client that sets it only gets
 * `NOT_PARTITION_OWNER` where it would have been forwarded.
 */
export const FORWARDED_HEADER = 'weir-forwarded-by';

/** How one forwarded request is sent. */
export interface PeerCall {
  /** The caller's `Authorization` header, passed on: the owner checks the same permissions. */
  authorization?: string;
  /** Bound on the whole exchange. Ms. */
  timeoutMs: number;
  /** Ends the exchange early (another owner answered first). */
  signal?: AbortSignal;
}

/** Sends requests to other nodes of the cluster. */
export interface PeerTransport {
  /** POSTs `body` as JSON to `baseUrl` + `path`; answers the parsed body of a 2xx answer. */
  post(baseUrl: string, path: string, body: unknown, call: PeerCall): Promise<unknown>;
  /** GETs `baseUrl` + `path` (with its query); answers the body of a 2xx answer as it came. */
  get(baseUrl: string, path: string, call: PeerCall): Promise<Buffer>;
}

/** Sends a request of any method (a streaming-group call forwarded to its coordinator). */
export interface PeerRequester {
  /** Sends `body` (JSON, if any) with `method`; answers the body of a 2xx answer as it came. */
  request(
    method: 'GET' | 'POST' | 'DELETE',
    baseUrl: string,
    path: string,
    body: unknown,
    call: PeerCall,
  ): Promise<Buffer>;
}

/** The peer did not answer (refused, reset, timed out): it may be dead or frozen. */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';

  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`node at ${url} did not answer`, options);
  }
}

/**
 * The peer transport over HTTP with Node's fetch (undici: pooled keep-alive connections per
 * peer). An error answer comes back as the `BrokerError` the peer answered (its code, message
 * and details), so a forwarded request fails as it would have on the owner.
 */
export class HttpPeerClient implements PeerTransport, PeerRequester {
  constructor(private readonly nodeId: string) {}

  async post(baseUrl: string, path: string, body: unknown, call: PeerCall): Promise<unknown> {
    const answer = await this.send(baseUrl, path, JSON.stringify(body), call);
    return parseJson(answer.toString('utf8'));
  }

  get(baseUrl: string, path: string, call: PeerCall): Promise<Buffer> {
    return this.send(baseUrl, path, undefined, call);
  }

  request(
    method: 'GET' | 'POST' | 'DELETE',
    baseUrl: string,
    path: string,
    body: unknown,
    call: PeerCall,
  ): Promise<Buffer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return this.send(baseUrl, path, text, call, method);
  }

  private async send(
    baseUrl: string,
    path: string,
    body: string | undefined,
    call: PeerCall,
    method: 'GET' | 'POST' | 'DELETE' = body === undefined ? 'GET' : 'POST',
  ): Promise<Buffer> {
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.nodeId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (call.authorization !== undefined) headers.authorization = call.authorization;
    let answer: Buffer;
    let status: number;
    try {
      const response = await fetch(new URL(path, baseUrl), {
        method,
        headers,
        body,
        signal,
      });
      status = response.status;
      answer = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new PeerUnreachableError(baseUrl, { cause: error });
    }
    if (status >= 200 && status < 300) return answer;
    throw answeredError(parseJson(answer.toString('utf8')), status);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The peer's error answer as a `BrokerError` (an unreadable one as an internal error). */
function answeredError(body: unknown, status: number): BrokerError {
  const error = (body as { error?: Partial<ErrorBody> } | undefined)?.error;
  const known = Object.values(ErrorCode) as string[];
  if (error && typeof error.code === 'string' && known.includes(error.code)) {
    return new BrokerError(error.code, String(error.message ?? ''), error.details);
  }
  return new BrokerError(ErrorCode.INTERNAL_ERROR, `a peer answered ${status}`);
}
