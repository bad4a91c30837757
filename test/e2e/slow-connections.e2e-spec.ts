import { connect, Socket } from 'node:net';
import request from 'supertest';
import { useBroker } from '../support/broker-fixture';

const IDLE = 500;
const HALF_SENT = 500;

/** Opens a TCP connection to the broker and resolves once it is connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` is closed (by the server), with what the server wrote to it. */
function closedBy(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

/** Fails after `ms` unless `promise` settled first. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('slow and idle connections', () => {
  const fixture = useBroker({
    WEIR_HEADERS_TIMEOUT_MS: '1000',
    WEIR_REQUEST_TIMEOUT_MS: '2000',
    WEIR_TIMEOUT_CHECK_INTERVAL_MS: '100',
    WEIR_MAX_CONNECTIONS: '5000',
    WEIR_MAX_CONNECTIONS_PER_ADDRESS: '5000',
  });

  it('closes 500 idle sockets and 500 half-sent requests by their timeouts, serving meanwhile', async () => {
    const { port } = new URL(fixture.broker.url);
    const sockets = await Promise.all(
      Array.from({ length: IDLE + HALF_SENT }, () => open(Number(port))),
    );
    const closes = sockets.map(closedBy);
    sockets.slice(IDLE).forEach((socket, i) => {
      // half of them stop inside the headers, half inside the body
      socket.write(
        i % 2 === 0
          ? 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
          : 'POST /topics/slow/records HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
              'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"records":',
      );
    });

    await request(fixture.broker.url).get('/health/live').expect(200);
    await request(fixture.broker.url)
      .post('/topics/fast/records')
      .send({ records: [{ value: 1 }] })
      .expect(200);

    const answers = await within(Promise.all(closes), 15_000, 'every slow socket closed');
    expect(answers.slice(IDLE).filter((text) => text.includes('REQUEST_TIMEOUT')).length).toBe(
      HALF_SENT,
    );
    await request(fixture.broker.url).get('/health/live').expect(200);
    const server = fixture.broker.app.getHttpServer();
    const stillOpen = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(stillOpen).toBeLessThanOrEqual(1);
  }, 30_000);
});
