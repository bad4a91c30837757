import { WeirError, WeirErrorCode } from './errors';
import { Frame, ReconnectingSocket } from './reconnecting-socket';

/** How a worker answers a delivery (`docs/api.md`, acks). */
export const AckType = {
  ACCEPT: 'accept',
  RELEASE: 'release',
  REJECT: 'reject',
  RENEW: 'renew',
} as const;
export type AckType = (typeof AckType)[keyof typeof AckType];

/** One acknowledgement, as the `ack` frame carries it. */
export interface AckItem {
  receipt: string;
  type: AckType;
  /** release: not deliverable before now + delayMs (default: the group's backoff). */
  delayMs?: number;
  /** renew: the new lock duration (default: the group's). */
  lockDurationMs?: number;
  /** reject: the text stored in the dead-letter record's `weir-dlq-error`. */
  error?: string;
}

/** The broker's answer to one item. */
export type AckOutcome =
  { ok: true; lockExpiresAtMs?: number } | { ok: false; code: string; message: string };

interface QueuedAck {
  item: AckItem;
  settle: (outcome: AckOutcome) => void;
}

/** Most items in one `ack` frame (the broker's default WEIR_MAX_ACK_BATCH is 10,000). */
const MAX_ACKS_PER_FRAME = 1000;

/**
 * Acknowledgements over the share consumer's socket: items submitted within `lingerMs` of the
 * first one (0: in the same turn of the event loop) leave in one `ack` frame, at once when
 * `maxPerFrame` wait, and each item's promise settles with its own result.
 * An item whose answer was lost with the connection is sent again once the socket is back: the
 * receipt decides (an accept that had been applied answers `LOCK_LOST` the second time, one
 * that had not may still succeed), so no answer is ever guessed.
 */
export class AckQueue {
  private queued: QueuedAck[] = [];
  private outstanding = 0;
  private cancelScheduled: (() => void) | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly socket: ReconnectingSocket,
    private readonly lingerMs: number,
    private readonly maxPerFrame = MAX_ACKS_PER_FRAME,
  ) {}

  /** Queues `item`; resolves with the broker's answer to it. */
  submit(item: AckItem): Promise<AckOutcome> {
    return new Promise((settle) => {
      this.queued.push({ item, settle });
      this.schedule();
    });
  }

  /** Sends what waits; call it when the socket (re)opens. */
  flush(): void {
    this.cancelTimer();
    while (this.queued.length > 0 && this.socket.isOpen) {
      void this.sendFrame(this.queued.splice(0, this.maxPerFrame));
    }
  }

  /** Items queued or awaiting their answer. */
  get size(): number {
    return this.queued.length + this.outstanding;
  }

  /** Resolves once every submitted item has its answer. */
  whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.queued.length >= this.maxPerFrame) return this.flush();
    this.cancelScheduled ??= afterLinger(this.lingerMs, () => {
      this.cancelScheduled = undefined;
      this.flush();
    });
  }

  private cancelTimer(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
  }

  private async sendFrame(batch: QueuedAck[]): Promise<void> {
    this.outstanding += batch.length;
    try {
      const answer = await this.socket.request({ type: 'ack', acks: batch.map((a) => a.item) });
      const results = Array.isArray(answer.results) ? (answer.results as Frame[]) : [];
      batch.forEach((a, i) => a.settle(toOutcome(results[i])));
    } catch (error) {
      if (error instanceof WeirError && error.retriable) {
        this.queued.push(...batch); // sent again by flush() when the socket is open
      } else {
        const code = error instanceof WeirError ? error.code : WeirErrorCode.INTERNAL_ERROR;
        const message = error instanceof Error ? error.message : String(error);
        for (const a of batch) a.settle({ ok: false, code, message });
      }
    } finally {
      this.outstanding -= batch.length;
      if (this.socket.isOpen) this.flush();
      if (this.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}

/**
 * Runs `task` after `lingerMs`, or in the next turn of the event loop when it is 0; answers a
 * function that cancels it.
 */
export function afterLinger(lingerMs: number, task: () => void): () => void {
  if (lingerMs > 0) {
    const timer = setTimeout(task, lingerMs);
    return () => clearTimeout(timer);
  }
  const immediate = setImmediate(task);
  return () => clearImmediate(immediate);
}

function toOutcome(result: Frame | undefined): AckOutcome {
  if (!result) return { ok: false, code: WeirErrorCode.BAD_RESPONSE, message: 'no result' };
  if (result.ok === true) {
    return typeof result.lockExpiresAtMs === 'number'
      ? { ok: true, lockExpiresAtMs: result.lockExpiresAtMs }
      : { ok: true };
  }
  const error = (result.error ?? {}) as { code?: unknown; message?: unknown };
  return {
    ok: false,
    code: typeof error.code === 'string' ? error.code : WeirErrorCode.INTERNAL_ERROR,
    message: typeof error.message === 'string' ? error.message : 'refused',
  };
}
