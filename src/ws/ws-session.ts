import type { WebSocket } from 'ws';
import { ErrorBody } from '../common/errors';

/** One WebSocket connection, as frame handlers see it. */
export class WsSession {
  private readonly closeCallbacks: Array<() => void> = [];
  private writableWaiters: Array<() => void> = [];
  private closed = false;
  private pingsSincePong = 0;

  /**
   * @param maxBufferedBytes unsent bytes above which `whenWritable` waits for the socket to
   *   drain (credit alone does not bound memory: a client may grant much and read nothing)
   * @param credential the token the upgrade carried (checked again on every frame), if any
   */
  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes = Number.POSITIVE_INFINITY,
    readonly credential?: string,
  ) {
    socket.on('pong', () => {
      this.pingsSincePong = 0;
    });
  }

  /** Sends one JSON frame; false (nothing sent) once the socket is closing or closed. */
  send(frame: object): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(frame), this.flushed);
    return true;
  }

  /** Sends one frame already serialised as JSON (a text frame); false once closing or closed. */
  sendRaw(json: Buffer): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(json, { binary: false }, this.flushed);
    return true;
  }

  sendError(error: ErrorBody, requestId: unknown): void {
    this.send(
      requestId === undefined ? { type: 'error', error } : { type: 'error', requestId, error },
    );
  }

  /** Runs `callback` once when the connection ends (client close or server shutdown). */
  onClose(callback: () => void): void {
    if (this.closed) callback();
    else this.closeCallbacks.push(callback);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes queued in the socket and not yet sent: used to hold back pushes to slow clients. */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /**
   * Resolves once the unsent bytes are below the bound (at once when they are), or the session
   * closed. Pushes await it before they read more records for this socket.
   */
  whenWritable(): Promise<void> {
    if (this.closed || this.bufferedBytes < this.maxBufferedBytes) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /** Pings sent since the last pong. */
  get unansweredPings(): number {
    return this.pingsSincePong;
  }

  ping(): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.pingsSincePong++;
    this.socket.ping();
  }

  /** Closes the connection with a WebSocket close `code` and `reason`; the close path follows. */
  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** Drops the connection at once (it stopped answering pings); the close path follows. */
  terminate(): void {
    this.socket.terminate();
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.wakeWriters();
    for (const callback of this.closeCallbacks.splice(0)) callback();
  }

  /** Called as each frame leaves the process: wakes pushes once the socket drained enough. */
  private readonly flushed = (): void => {
    if (this.writableWaiters.length > 0 && this.bufferedBytes < this.maxBufferedBytes) {
      this.wakeWriters();
    }
  };

  private wakeWriters(): void {
    for (const resolve of this.writableWaiters.splice(0)) resolve();
  }
}
