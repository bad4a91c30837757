import { AckOutcome, AckQueue, AckType } from './ack-queue';
import { BackoffOptions } from './backoff';
import { errorMessage, NonRetriableError, WeirError, WeirErrorCode } from './errors';
import { InFlightDelivery } from './in-flight-delivery';
import { fromWireShare, ShareRecord, WireShareRecord } from './records';
import { Frame, ReconnectingSocket } from './reconnecting-socket';
import { ShareConsumerStats } from './share-consumer-stats';

/** Handles one delivery: resolve to accept, throw to release, throw NonRetriableError to reject. */
export type ShareHandler = (
  record: ShareRecord,
  context: { signal: AbortSignal },
) => Promise<void> | void;

export interface ShareConsumerOptions {
  /** `http://host:port` of the broker; the WebSocket is `ws://host:port/ws`. */
  url: string;
  /** Delay between reconnection attempts (default 100 ms doubling to 3 s, jittered). */
  reconnectBackoff?: BackoffOptions;
  /** Errors that do not stop the consumer: a lost connection, a refused acknowledgement. */
  onError?: (error: unknown) => void;
}

export interface ShareRunOptions {
  group: string;
  /** The group's topics; a group that does not exist yet is created with them. */
  topics: string[];
  /** Most records handled at once: the credit granted to the broker. */
  concurrency: number;
  handler: ShareHandler;
  /** This worker's lock duration (default: the group's), within the broker's [1 s, 12 h]. */
  lockDurationMs?: number;
  /** Renew a lock once this fraction of it has passed while its handler runs (default 0.5). */
  renewFraction?: number;
}

/** Longest `error` text an acknowledgement may carry. */
const MAX_ERROR_LENGTH = 4096;

/**
 * A job worker on a share group over one WebSocket. It grants the broker `concurrency` records
 * of credit and gives one back each time a handler ends, so at most that many run at once; it
 * accepts, releases or rejects each record by its handler's outcome, renews the locks of long
 * handlers, and reconnects with jittered backoff after the connection breaks. After a
 * reconnect a redelivered record whose handler still runs is adopted, not handled twice, and an
 * acknowledgement the broker answers with `LOCK_LOST` is dropped: no record is accepted twice.
 */
export class ShareConsumer {
  private readonly socket: ReconnectingSocket;
  private readonly acks: AckQueue;
  private readonly running = new Map<string, { delivery: InFlightDelivery; done: Promise<void> }>();
  private run$: ShareRunOptions | undefined;
  private subscriptionId: string | undefined;
  private creditToGrant = 0;
  private stopping = false;
  private subscribed: (() => void) | undefined;
  /** What this consumer did so far. */
  readonly stats = new ShareConsumerStats();

  constructor(private readonly options: ShareConsumerOptions) {
    const wsUrl = `${options.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`;
    this.socket = new ReconnectingSocket(
      wsUrl,
      {
        onOpen: () => this.subscribe(),
        onFrame: (frame) => this.onFrame(frame),
        onClose: () => this.onClose(),
        onError: (error) => this.reportError(error),
      },
      options.reconnectBackoff,
    );
    this.acks = new AckQueue(this.socket);
  }

  /** Starts consuming; resolves once subscribed (retrying while the broker is unreachable). */
  run(options: ShareRunOptions): Promise<void> {
    if (this.run$) throw new Error('this ShareConsumer is already running');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    this.run$ = options;
    const subscribed = new Promise<void>((resolve) => (this.subscribed = resolve));
    this.socket.start();
    return subscribed;
  }

  /**
   * Stops taking work, waits (up to `timeoutMs`, default 30 s) for running handlers and their
   * acknowledgements, releases records that arrive meanwhile, then unsubscribes and closes.
   * Records still held after the timeout are released by the broker when the socket closes.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    this.subscribed?.();
    const settled = async () => {
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
      await this.acks.whenIdle();
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? 30_000);
    });
    await Promise.race([settled(), timedOut]);
    clearTimeout(timer);
    if (this.subscriptionId && this.socket.isOpen) {
      await this.socket
        .request({ type: 'unsubscribe', subscriptionId: this.subscriptionId }, 5000)
        .catch((error: unknown) => this.reportError(error));
    }
    await this.socket.close();
  }

  /** Records whose handler runs now. */
  get inFlight(): number {
    return this.running.size;
  }

  private async subscribe(): Promise<void> {
    const run = this.run$;
    if (!run) return;
    const credit = this.stopping ? 0 : Math.max(0, run.concurrency - this.running.size);
    const answer = await this.socket.request({
      type: 'subscribe',
      mode: 'share',
      group: run.group,
      topics: run.topics,
      credit,
      ...(run.lockDurationMs !== undefined ? { lockDurationMs: run.lockDurationMs } : {}),
    });
    this.subscriptionId = String(answer.subscriptionId);
    this.creditToGrant = 0;
    this.stats.connections += 1;
    this.acks.flush();
    this.subscribed?.();
  }

  private onClose(): void {
    this.subscriptionId = undefined;
    this.creditToGrant = 0;
  }

  private onFrame(frame: Frame): void {
    if (frame.type === 'records' && Array.isArray(frame.records)) {
      for (const wire of frame.records as WireShareRecord[]) this.onRecord(fromWireShare(wire));
    } else if (frame.type === 'error') {
      // An error outside a request ends the subscription on the broker's side: start over.
      this.reportError(frame.error);
      this.socket.reconnect();
    }
  }

  private onRecord(record: ShareRecord): void {
    const run = this.run$;
    if (!run) return;
    this.stats.received += 1;
    const key = `${record.topic}/${record.partition}/${record.offset}`;
    const running = this.running.get(key);
    if (running) {
      running.delivery.adopt(record);
      this.stats.adopted += 1;
      this.grantCredit(1);
      return;
    }
    if (this.stopping) {
      void this.acknowledge(record.receipt, { type: AckType.RELEASE, delayMs: 0 });
      return;
    }
    const delivery = new InFlightDelivery(
      record,
      run.lockDurationMs,
      run.renewFraction ?? 0.5,
      (receipt) => this.acks.submit({ receipt, type: AckType.RENEW, ...this.lockDuration() }),
      {
        renewed: () => (this.stats.renewed += 1),
        // A lost lock is counted once, when the handler ends (below).
        refused: (outcome) => outcome.code !== WeirErrorCode.LOCK_LOST && this.refused(outcome),
      },
    );
    const done = this.handle(run, delivery).finally(() => {
      this.running.delete(key);
      if (!this.stopping) this.grantCredit(1);
    });
    this.running.set(key, { delivery, done });
  }

  private async handle(run: ShareRunOptions, delivery: InFlightDelivery): Promise<void> {
    let answer: { type: AckType; error?: string };
    try {
      await run.handler(delivery.record, { signal: delivery.signal });
      answer = { type: AckType.ACCEPT };
    } catch (error) {
      answer =
        error instanceof NonRetriableError
          ? { type: AckType.REJECT, error: error.message.slice(0, MAX_ERROR_LENGTH) }
          : { type: AckType.RELEASE };
    } finally {
      delivery.finish();
    }
    if (delivery.isLost) {
      this.stats.lockLost += 1; // the broker took the record back; it comes again, not from us
      return;
    }
    await this.acknowledge(delivery.record.receipt, answer);
  }

  private async acknowledge(
    receipt: string,
    answer: { type: AckType; error?: string; delayMs?: number },
  ): Promise<void> {
    const outcome = await this.acks.submit({ receipt, ...answer });
    if (outcome.ok) this.stats.count(answer.type);
    else this.refused(outcome);
  }

  private refused(outcome: Extract<AckOutcome, { ok: false }>): void {
    if (outcome.code === WeirErrorCode.LOCK_LOST) this.stats.lockLost += 1;
    else this.reportError(new WeirError(outcome.code, outcome.message));
  }

  private lockDuration(): { lockDurationMs?: number } {
    const lockDurationMs = this.run$?.lockDurationMs;
    return lockDurationMs === undefined ? {} : { lockDurationMs };
  }

  /** Credit given back in one turn of the event loop leaves in one frame. */
  private grantCredit(records: number): void {
    this.creditToGrant += records;
    if (this.creditToGrant !== records) return;
    setImmediate(() => {
      const granted = this.creditToGrant;
      this.creditToGrant = 0;
      if (granted > 0 && this.subscriptionId && !this.stopping) {
        this.socket.send({ type: 'credit', subscriptionId: this.subscriptionId, records: granted });
      }
    });
  }

  private reportError(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else if (!(error instanceof WeirError && error.retriable)) {
      process.emitWarning(`Weir ShareConsumer: ${errorMessage(error)}`);
    }
  }
}
