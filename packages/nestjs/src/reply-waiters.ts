import type { WritePacket } from '@nestjs/microservices';
import { WeirError, WeirErrorCode, type WeirRecord } from '@weir/client';
import { WeirHeader } from './weir-headers';

interface Waiter {
  callback: (packet: WritePacket) => void;
  timer: NodeJS.Timeout;
}

/**
 * The requests of a `ClientWeir` waiting for their replies, by correlation id. Reply records
 * (read from the client's reply topic) are handed to the request they name; a request whose
 * reply does not end within its timeout fails with `TIMEOUT`.
 */
export class ReplyWaiters {
  private readonly waiting = new Map<string, Waiter>();

  /** Waits for replies to `correlationId`; the answer cancels the wait (no callback after). */
  expect(
    correlationId: string,
    callback: (packet: WritePacket) => void,
    timeoutMs: number,
  ): () => void {
    const timer = setTimeout(
      () =>
        this.fail(
          correlationId,
          new WeirError(WeirErrorCode.TIMEOUT, `no reply within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    this.waiting.set(correlationId, { callback, timer });
    return () => this.forget(correlationId);
  }

  /** Hands each reply record to its request; the packet marked `isDisposed` ends it. */
  deliver(records: readonly WeirRecord[]): void {
    for (const record of records) {
      const correlationId = record.headers[WeirHeader.CORRELATION_ID];
      const waiter = correlationId === undefined ? undefined : this.waiting.get(correlationId);
      if (!waiter || correlationId === undefined) continue; // a late reply, after a timeout
      const packet = (record.value ?? {}) as WritePacket;
      if (packet.isDisposed || packet.err !== undefined) this.forget(correlationId);
      waiter.callback(packet);
    }
  }

  /** Ends the request with `error`. */
  fail(correlationId: string, error: unknown): void {
    const waiter = this.waiting.get(correlationId);
    if (!waiter) return;
    this.forget(correlationId);
    waiter.callback({ err: error, isDisposed: true });
  }

  /** Ends every request with `error` (the client closes). */
  failAll(error: unknown): void {
    for (const correlationId of [...this.waiting.keys()]) this.fail(correlationId, error);
  }

  private forget(correlationId: string): void {
    const waiter = this.waiting.get(correlationId);
    if (waiter) clearTimeout(waiter.timer);
    this.waiting.delete(correlationId);
  }
}
