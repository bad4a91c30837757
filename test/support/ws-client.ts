import WebSocket from 'ws';

/** A test WebSocket client that collects frames and waits for them with a deadline. */
export class WsTestClient {
  readonly frames: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  private nextRequestId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Connects to `url`; `options` go to `ws` (e.g. `autoPong: false` for a client that never answers pings). */
  static connect(url: string, options?: WebSocket.ClientOptions): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      socket.once('open', () => resolve(new WsTestClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** Sends `frame` with a fresh requestId and waits for the frame that answers it. */
  async request(frame: object, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const requestId = `r${this.nextRequestId++}`;
    this.send({ ...frame, requestId });
    return this.waitFor((f) => f.requestId === requestId, timeoutMs);
  }

  /** Waits until a received frame matches `predicate` (frames already received count). */
  async waitFor(
    predicate: (frame: Record<string, unknown>) => boolean,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
