import http from 'node:http';

const REQUEST_TIMEOUT_MS = 30_000;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** A small JSON client over `node:http` with a keep-alive pool, for 127.0.0.1 only. */
export class HttpClient {
  readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    maxSockets = 8,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends `body` (already JSON text or bytes) and answers the status and parsed JSON body. */
  request(method: HttpMethod, path: string, body?: string | Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({
                status: res.statusCode ?? 0,
                body: text.length > 0 ? JSON.parse(text) : null,
              });
            } catch (error) {
              reject(new Error(`${method} ${path}: unparsable answer: ${String(error)}`));
            }
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Like `request`, but fails unless the status is `expected`. */
  async expect(
    expected: number,
    method: HttpMethod,
    path: string,
    body?: string | Buffer,
  ): Promise<unknown> {
    const answer = await this.request(method, path, body);
    if (answer.status !== expected) {
      throw new Error(
        `${method} ${path}: status ${answer.status}, expected ${expected}: ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
    }
    return answer.body;
  }

  async createTopic(name: string, partitions = 1): Promise<void> {
    await this.expect(201, 'POST', '/topics', JSON.stringify({ name, partitions }));
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Number of offsets in a produce answer `{ offsets: [...] }`, or -1 when malformed. */
export function offsetCount(body: unknown): number {
  if (typeof body !== 'object' || body === null) return -1;
  const offsets = (body as { offsets?: unknown }).offsets;
  return Array.isArray(offsets) ? offsets.length : -1;
}
