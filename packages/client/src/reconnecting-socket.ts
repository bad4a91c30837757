import WebSocket from 'ws';
import { BackoffOptions, backoffDelayMs, sleep } from './backoff';
import { WeirError, WeirErrorCode } from './errors';

/** A JSON frame of the broker's WebSocket protocol. */
export type Frame = Record<string, unknown>;

/** What a {@link ReconnectingSocket} tells its owner. */
export interface SocketHandlers {
  /** Each (re)connection, once open: subscribe here. A throw closes the socket (and it retries). */
  onOpen: () => Promise<void>;
  /** Every frame that is not the answer to a {@link ReconnectingSocket.request}. */
  onFrame: (frame: Frame) => void;
  /** The connection ended (after its pending requests failed with `CLOSED`). */
  onClose: () => void;
  onError: (error: unknown) => void;
}

interface PendingRequest {
  resolve: (frame: Frame) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** How long a closing socket may take to finish its close handshake. */
const CLOSE_GRACE_MS = 5000;

/**
 * One WebSocket to the broker's `/ws` that reconnects with jittered backoff until closed, and
 * matches answers to requests by `requestId` (an `error` frame rejects with a `WeirError`).
 */
export class ReconnectingSocket {
  private socket: WebSocket | undefined;
  private readonly pending = new Map<string, PendingRequest>();
  private nextRequestId = 1;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: SocketHandlers,
    private readonly backoff: BackoffOptions = { initialMs: 100, maxMs: 3000 },
    private readonly headers: Record<string, string> = {},
    /** PEM certificate(s) of the authority to trust for `wss://`, besides the system's. */
    private readonly ca?: string | Buffer,
  ) {}

  /** Connects, and keeps reconnecting until {@link close}. */
  start(): void {
    this.loop ??= this.connectLoop();
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a frame that expects no answer; false when the socket is not open. */
  send(frame: Frame): boolean {
    if (!this.socket || !this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends `frame` with a fresh `requestId` and resolves with the frame that answers it. */
  request(frame: Frame, timeoutMs = 30_000): Promise<Frame> {
    const requestId = `c${this.nextRequestId++}`;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new WeirError(WeirErrorCode.TIMEOUT, `no answer to '${String(frame.type)}'`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      if (!this.send({ ...frame, requestId })) {
        this.settle(requestId, (p) => p.reject(closedError()));
      }
    });
  }

  /** Closes the current connection; the socket connects again after the usual backoff. */
  reconnect(): void {
    this.socket?.close(4000, 'reconnecting');
  }

  /** Stops reconnecting and closes the socket cleanly; resolves once it is closed. */
  async close(): Promise<void> {
    this.stopping.abort();
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      socket.close(1000, 'client closing');
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    }
    await this.loop;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted;) {
      try {
        const socket = await this.open();
        attempt = 0;
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        try {
          await this.handlers.onOpen();
        } catch (error) {
          this.handlers.onError(error);
          socket.close(1011, 'subscription failed');
        }
        await closed;
        this.handlers.onClose();
      } catch (error) {
        if (!this.stopping.signal.aborted) this.handlers.onError(error);
      }
      if (this.stopping.signal.aborted) break;
      await sleep(backoffDelayMs(attempt++, this.backoff), this.stopping.signal);
    }
    this.socket = undefined;
  }

  /** Resolves once the socket is open; rejects when it fails before that. */
  private open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, {
        headers: this.headers,
        ...(this.ca === undefined ? {} : { ca: this.ca }),
      });
      this.socket = socket;
      socket.on('message', (data: Buffer) => this.onMessage(data.toString('utf8')));
      socket.once('close', () => this.failPending());
      const failed = (error: Error) =>
        reject(new WeirError(WeirErrorCode.NETWORK_ERROR, `WebSocket: ${error.message}`));
      socket.once('error', failed);
      socket.once('open', () => {
        socket.off('error', failed);
        socket.on('error', (error) => this.handlers.onError(error));
        resolve(socket);
      });
    });
  }

  private onMessage(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.handlers.onError(new WeirError(WeirErrorCode.BAD_RESPONSE, 'a frame is not JSON'));
      return;
    }
    const requestId = typeof frame.requestId === 'string' ? frame.requestId : undefined;
    if (requestId === undefined || !this.pending.has(requestId)) {
      this.handlers.onFrame(frame);
    } else if (frame.type === 'error') {
      this.settle(requestId, (p) => p.reject(frameError(frame)));
    } else {
      this.settle(requestId, (p) => p.resolve(frame));
    }
  }

  private settle(requestId: string, how: (pending: PendingRequest) => void): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    how(pending);
  }

  private failPending(): void {
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId, (p) => p.reject(closedError()));
    }
  }
}

const closedError = () =>
  new WeirError(WeirErrorCode.CLOSED, 'the WebSocket closed before an answer');

/** The `WeirError` of an `{ "type": "error", "error": { code, message } }` frame. */
export function frameError(frame: Frame): WeirError {
  const error = (frame.error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  return new WeirError(
    typeof error.code === 'string' ? error.code : WeirErrorCode.INTERNAL_ERROR,
    typeof error.message === 'string' ? error.message : 'error frame',
    0,
    error.details,
  );
}
