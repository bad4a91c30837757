import type { WebSocket } from 'ws';
import { ErrorBody } from '../common/errors';

/** One WebSocket connection, as frame handlers see it. */
export class WsSession {
  private readonly closeCallbacks: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
  ) {}

  /** Sends one JSON frame; false (nothing sent) once the socket is closing or closed. */
  send(frame: object): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
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

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.closeCallbacks.splice(0)) callback();
  }
}
