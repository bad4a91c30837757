import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the broker's token check (docs/api.md "Security"), in front of a broker without
 * auth: the console's files pass freely, every API call needs `Authorization: Bearer <token>`
 * and is otherwise answered 401 UNAUTHENTICATED in the broker's error shape.
 */
export class AuthStub {
  /** The Authorization header of every API call that reached the stub, in order. */
  readonly apiCalls: Array<{ path: string; authorization: string | undefined }> = [];
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly brokerUrl: string,
    private readonly token: string,
  ) {}

  async start(): Promise<void> {
    const target = new URL(this.brokerUrl);
    this.server = createServer((incoming, answer) => {
      const path = incoming.url ?? '/';
      if (!path.startsWith('/console')) {
        const authorization = incoming.headers.authorization;
        this.apiCalls.push({ path, authorization });
        if (authorization !== `Bearer ${this.token}`) {
          answer.writeHead(401, { 'content-type': 'application/json' });
          answer.end(
            JSON.stringify({
              error: { code: 'UNAUTHENTICATED', message: 'A valid bearer token is required' },
            }),
          );
          return;
        }
      }
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path,
          headers: incoming.headers,
        },
        (reply) => {
          answer.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(answer);
        },
      );
      forwarded.on('error', () => answer.destroy());
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
