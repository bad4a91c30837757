import { AckOutcome, AckQueue, AckType } from './ack-queue';
import { errorMessage, WeirError, WeirErrorCode } from './errors';
import { HandlerAnswer, runHandler } from './handler-outcome';
import { authHeaders } from './http-json';
import { InFlightDelivery } from './in-flight-delivery';
import { fromWireShare, ShareRecord, WireShareRecord } from './records';
import { Frame, ReconnectingSocket } from './reconnecting-socket';
import { prefetchOf, ShareConsumerOptions, ShareRunOptions } from './share-consumer-options';
import { ShareConsumerStats } from './share-consumer-stats';
import { SubscriptionCredit } from './subscription-credit';

/** A delivery held by this worker, and the subscription whose credit it holds. */
interface HeldDelivery {
  delivery: InFlightDelivery;
  epoch: number;
  handlerEnded: boolean;
  /** The handler gave the record back (`release`): a later delivery of it is new work. */
  released?: boolean;
  /** Set once its handler started; settles once its answer was answered. */
  done?: Promise<void>;
}

/** Tries of a handler's answer, each under the receipt of a newer adopted redelivery. */
const MAX_ANSWERS = 3;

/**
 * A job worker on a share group over one WebSocket. It grants the broker `concurrency +
 * prefetch` records of credit and gives one back each time a handler ends; at most
 * `concurrency` handlers run at once, the records beyond wait their turn in order. It
 * accepts, releases or rejects each record by its handler's outcome, renews the locks of long
 * handlers, and reconnects with jittered backoff after the connection breaks. After a
 * reconnect a redelivered record whose handler still runs is adopted, not handled twice, and an
 * acknowledgement the broker answers with `LOCK_LOST` is dropped: no record is accepted twice.
 */
export class ShareConsumer {
  private readonly socket: ReconnectingSocket;
  private readonly acks: AckQueue;
  private readonly credit: SubscriptionCredit;
  /** Every delivery held, running or waiting, by `topic/partition/offset`. */
  private readonly held = new Map<string, HeldDelivery>();
  /** Keys of held deliveries waiting for a free handler, in arrival order. */
  private waiting: string[] = [];
  private running = 0;
  private run$: ShareRunOptions | undefined;
  private stopping = false;
  /** Pushes read before the answer to the subscribe they follow. */
  private early: Frame[] = [];
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
      authHeaders(options),
      options.ca,
    );
    this.acks = new AckQueue(this.socket, options.ackLingerMs ?? 1);
    this.credit = new SubscriptionCredit(
      (subscriptionId, records) => this.socket.send({ type: 'credit', subscriptionId, records }),
      options.creditLingerMs ?? 1,
    );
  }

  /** Starts consuming; resolves once subscribed (retrying while the broker is unreachable). */
  run(options: ShareRunOptions): Promise<void> {
    if (this.run$) throw new Error('this ShareConsumer is already running');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    if (
      options.prefetch !== undefined &&
      !(Number.isInteger(options.prefetch) && options.prefetch >= 0)
    ) {
      throw new RangeError('prefetch must be a non-negative integer');
    }
    this.run$ = options;
    const subscribed = new Promise<void>((resolve) => (this.subscribed = resolve));
    this.socket.start();
    return subscribed;
  }

  /**
   * Stops taking work, waits (up to `timeoutMs`, default 30 s) for running handlers and their
   * acknowledgements, then unsubscribes and closes. Records whose handler had not started, and
   * those that arrive meanwhile, are given back by the unsubscribe (or by the broker when the
   * socket closes): released any earlier, they would come straight back on the subscription's
   * unused credit, one more delivery each time, until dead-lettered unhandled.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    this.subscribed?.();
    this.dropWaiting();
    const settled = async () => {
      const started = [...this.held.values()].flatMap((r) => (r.done ? [r.done] : []));
      await Promise.allSettled(started);
      await this.acks.whenIdle();
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? 30_000);
    });
    await Promise.race([settled(), timedOut]);
    clearTimeout(timer);
    const subscriptionId = this.credit.subscriptionId;
    if (subscriptionId && this.socket.isOpen) {
      await this.socket
        .request({ type: 'unsubscribe', subscriptionId }, 5000)
        .catch((error: unknown) => this.reportError(error));
    }
    await this.socket.close();
  }

  /** Records whose handler runs now. */
  get inFlight(): number {
    return this.running;
  }

  private async subscribe(): Promise<void> {
    const run = this.run$;
    if (!run) return;
    // Full credit on every connection: handlers still running from an earlier one owe theirs to
    // the subscription they came on, which ended with it.
    const credit = this.stopping ? 0 : run.concurrency + prefetchOf(run);
    const answer = await this.socket.request({
      type: 'subscribe',
      mode: 'share',
      group: run.group,
      topics: run.topics,
      credit,
      ...(run.lockDurationMs !== undefined ? { lockDurationMs: run.lockDurationMs } : {}),
    });
    this.credit.opened(String(answer.subscriptionId), credit);
    for (const frame of this.early.splice(0)) this.onFrame(frame);
    this.stats.connections += 1;
    this.acks.flush();
    this.subscribed?.();
  }

  private onClose(): void {
    this.credit.closed();
    this.early = [];
    this.dropWaiting(); // the broker released them with the connection: they come again
  }

  /** Forgets the deliveries that wait for a handler (the broker gives them back). */
  private dropWaiting(): void {
    for (const key of this.waiting.splice(0)) {
      const entry = this.held.get(key);
      if (!entry || entry.done) continue;
      entry.delivery.finish();
      this.held.delete(key);
    }
  }

  private onFrame(frame: Frame): void {
    if (frame.type === 'records' && Array.isArray(frame.records)) {
      const epoch = this.credit.epoch;
      // Pushes may come in the same read as the `subscribed` answer, before it is handled.
      if (epoch === undefined) this.early.push(frame);
      else if (frame.subscriptionId === this.credit.subscriptionId) {
        for (const wire of frame.records as WireShareRecord[]) {
          this.onRecord(fromWireShare(wire), epoch);
        }
      }
    } else if (frame.type === 'error') {
      // An error outside a request ends the subscription on the broker's side: start over.
      this.reportError(frame.error);
      this.socket.reconnect();
    }
  }

  /** A delivery pushed on the subscription of `epoch`, holding one unit of its credit. */
  private onRecord(record: ShareRecord, epoch: number): void {
    const run = this.run$;
    if (!run) return;
    this.stats.received += 1;
    const key = `${record.topic}/${record.partition}/${record.offset}`;
    const held = this.held.get(key);
    // A record this worker released comes back as new work, even before the broker's answer to
    // the release arrived; only a record whose answer is still to be given is adopted.
    if (held && !held.released) {
      held.delivery.adopt(record);
      this.stats.adopted += 1;
      // The redelivery took a unit of `epoch`: its handler gives it back when it ends, or it
      // goes back now if the handler ended already or holds a unit of this subscription.
      if (held.handlerEnded || held.epoch === epoch) this.credit.giveBack(epoch);
      else held.epoch = epoch;
      return;
    }
    // Not handled, not released: the unsubscribe at the end of `stop` gives it back.
    if (this.stopping) return;
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
    const entry: HeldDelivery = { delivery, epoch, handlerEnded: false };
    this.held.set(key, entry);
    this.waiting.push(key);
    this.startWaiting(run);
  }

  /**
   * Starts waiting deliveries, in order, while fewer than `concurrency` handlers run. A handler's
   * slot and its unit of credit are free once it ends; its answer goes out meanwhile.
   */
  private startWaiting(run: ShareRunOptions): void {
    while (this.running < run.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift() ?? '';
      const entry = this.held.get(key);
      if (!entry || entry.done) continue;
      this.running += 1;
      const { delivery } = entry;
      // The signal is made only if the handler reads it.
      const context = {
        get signal() {
          return delivery.signal;
        },
      };
      entry.done = runHandler(run.handler, delivery.record, context)
        .then((answer) => {
          delivery.finish();
          entry.handlerEnded = true;
          entry.released = answer.type === AckType.RELEASE;
          this.running -= 1;
          if (!this.stopping) {
            this.credit.giveBack(entry.epoch);
            this.startWaiting(run);
          }
          return this.answer(delivery, answer);
        })
        .finally(() => {
          if (this.held.get(key) === entry) this.held.delete(key);
        });
    }
  }

  /**
   * Sends a handler's answer. A redelivery adopted while it was on its way (a reconnect) holds
   * the record now: the answer goes again under its receipt. Nothing is sent for a delivery
   * whose lock was lost: the broker took the record back, and it comes again.
   */
  private async answer(delivery: InFlightDelivery, answer: HandlerAnswer): Promise<void> {
    if (delivery.isLost) {
      this.stats.lockLost += 1;
      return;
    }
    let receipt = delivery.record.receipt;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.acks.submit({ receipt, ...answer });
      if (outcome.ok) return this.stats.count(answer.type);
      const adopted = delivery.record.receipt !== receipt;
      if (outcome.code !== WeirErrorCode.LOCK_LOST || !adopted || attempt >= MAX_ANSWERS) {
        return this.refused(outcome);
      }
      receipt = delivery.record.receipt;
    }
  }

  private refused(outcome: Extract<AckOutcome, { ok: false }>): void {
    if (outcome.code === WeirErrorCode.LOCK_LOST) this.stats.lockLost += 1;
    else this.reportError(new WeirError(outcome.code, outcome.message));
  }

  private lockDuration(): { lockDurationMs?: number } {
    const lockDurationMs = this.run$?.lockDurationMs;
    return lockDurationMs === undefined ? {} : { lockDurationMs };
  }

  private reportError(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else if (!(error instanceof WeirError && error.retriable)) {
      process.emitWarning(`Weir ShareConsumer: ${errorMessage(error)}`);
    }
  }
}
