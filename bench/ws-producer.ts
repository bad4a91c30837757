import WebSocket from 'ws';
import { openSocket } from './open-socket';

const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (offsets: number) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface AnswerFrame {
  type?: string;
  requestId?: unknown;
  offsets?: unknown;
  error?: { code?: string; message?: string };
}

/** One WebSocket connection that pipelines `produce` frames and matches answers by requestId. */
export class WsProducer {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  private constructor(
    private readonly socket: WebSocket,
    private readonly name: string,
  ) {
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    socket.on('close', () => this.failAll(new Error(`socket ${name} closed`)));
    socket.on('error', (error) => this.failAll(error));
  }

  static async connect(url: string, name: string): Promise<WsProducer> {
    return new WsProducer(await openSocket(url, name), name);
  }

  /** Sends one produce frame with `recordsJson` (a JSON array) and resolves with #offsets. */
  produce(topic: string, recordsJson: string): Promise<number> {
    const requestId = `${this.name}-${this.nextId++}`;
    const frame = `{"type":"produce","topic":${JSON.stringify(topic)},"requestId":"${requestId}","records":${recordsJson}}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`ws ${requestId}: no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      this.socket.send(frame, (error) => {
        if (error) this.settle(requestId, error);
      });
    });
  }

  /** Closes the socket (terminating it if the close handshake takes too long). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(() => this.socket.terminate(), 2_000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close();
    });
  }

  private onMessage(data: WebSocket.RawData): void {
    let frame: AnswerFrame;
    try {
      frame = JSON.parse(rawToString(data)) as AnswerFrame;
    } catch {
      return;
    }
    if (typeof frame.requestId !== 'string') return;
    if (frame.type === 'produced' && Array.isArray(frame.offsets)) {
      this.settle(frame.requestId, frame.offsets.length);
    } else {
      const why = frame.error ? `${frame.error.code}: ${frame.error.message}` : String(frame.type);
      this.settle(frame.requestId, new Error(`ws ${frame.requestId}: ${why}`));
    }
  }

  private settle(requestId: string, outcome: number | Error): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    if (typeof outcome === 'number') entry.resolve(outcome);
    else entry.reject(outcome);
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }
}

function rawToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
