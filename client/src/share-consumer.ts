import WebSocket from 'ws';
import { jitteredBackoffMs, NonRetriableError, sleep } from './errors';

/** A record as a share-group worker receives it. */
export interface DeliveredRecord {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key?: string;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
  deliveryCount: number;
  receipt: string;
  lockExpiresAtMs: number;
}

export interface ShareConsumerOptions {
  /** `http://host:port` of the broker; the WebSocket is `ws://host:port/ws`. */
  url: string;
  group: string;
  /** Topics to consume; needed when the group does not exist yet. */
  topics?: string[];
  /** Records handled at once (the credit granted to the broker). */
  concurrency: number;
  /** Resolves: accept. Throws: release (the group's backoff applies). Throws NonRetriableError: reject. */
  handler: (record: DeliveredRecord) => Promise<void>;
  lockDurationMs?: number;
  /** Renew a lock once this fraction of it has passed while the handler runs (default 0.5). */
  renewFraction?: number;
  /** Called with errors that do not stop the consumer (lost connection, lost lock). */
  onError?: (error: unknown) => void;
}

type AckType = 'accept' | 'release' | 'reject' | 'renew';
interface AckResult {
  ok: boolean;
  lockExpiresAtMs?: number;
  error?: { code: string };
}

/**
 * A job worker over one WebSocket: keeps up to `concurrency` records in flight using credit,
 * answers each record from its handler's outcome, renews locks of long handlers, reconnects
 * with jittered backoff, and on `stop` finishes what runs and closes cleanly.
 */
export class ShareConsumer {
  private socket: WebSocket | undefined;
  private subscriptionId: string | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly pendingAcks = new Map<string, (results: AckResult[] | undefined) => void>();
  private nextRequestId = 1;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private stopResolve: (() => void) | undefined;

  constructor(private readonly options: ShareConsumerOptions) {}

  /** Consumes until `stop()`; resolves once stopped. */
  run(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.stopResolve = resolve;
      void this.connectLoop();
    });
    return this.stopped;
  }

  /** Stops taking work, waits for running handlers to answer, closes the socket. */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    this.socket?.close();
    this.stopResolve?.();
  }

  /** Number of records being handled now. */
  get inFlight(): number {
    return this.running.size;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.connect();
        attempt = 0;
        await new Promise<void>((resolve) => this.socket?.once('close', () => resolve()));
      } catch (error) {
        this.options.onError?.(error);
      }
      for (const resolve of this.pendingAcks.values()) resolve(undefined);
      this.pendingAcks.clear();
      if (!this.stopping) await sleep(jitteredBackoffMs(attempt, 100, 3000));
    }
  }

  private connect(): Promise<void> {
    const wsUrl = `${this.options.url.replace(/^http/, 'ws')}/ws`;
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(wsUrl);
      this.socket = socket;
      socket.once('error', reject);
      socket.on('message', (data) =>
        this.onFrame(JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>),
      );
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.options.onError?.(error));
        this.send({
          type: 'subscribe',
          mode: 'share',
          group: this.options.group,
          credit: Math.max(0, this.options.concurrency - this.running.size),
          ...(this.options.topics ? { topics: this.options.topics } : {}),
          ...(this.options.lockDurationMs ? { lockDurationMs: this.options.lockDurationMs } : {}),
        });
        resolve();
      });
    });
  }

  private onFrame(frame: Record<string, unknown>): void {
    if (frame.type === 'subscribed') this.subscriptionId = String(frame.subscriptionId);
    else if (frame.type === 'records')
      for (const r of frame.records as DeliveredRecord[]) this.start(r);
    else if (frame.type === 'acked')
      this.pendingAcks.get(String(frame.requestId))?.(frame.results as AckResult[]);
    else if (frame.type === 'error') {
      const resolve = this.pendingAcks.get(String(frame.requestId));
      if (resolve) resolve(undefined);
      else this.options.onError?.(frame.error);
    }
  }

  private start(record: DeliveredRecord): void {
    if (this.stopping) {
      void this.ack(record.receipt, 'release');
      return;
    }
    const socket = this.socket;
    const work = this.handle(record).finally(() => {
      this.running.delete(record.receipt);
      if (!this.stopping && socket === this.socket && this.subscriptionId) {
        this.send({ type: 'credit', subscriptionId: this.subscriptionId, records: 1 });
      }
    });
    this.running.set(record.receipt, work);
  }

  private async handle(record: DeliveredRecord): Promise<void> {
    let lockExpiresAtMs = record.lockExpiresAtMs;
    let timer: NodeJS.Timeout | undefined;
    const scheduleRenew = () => {
      const remainingMs = Math.max(0, lockExpiresAtMs - Date.now());
      timer = setTimeout(
        () => {
          void this.ack(record.receipt, 'renew').then((result) => {
            if (result?.ok && result.lockExpiresAtMs) {
              lockExpiresAtMs = result.lockExpiresAtMs;
              scheduleRenew();
            }
          });
        },
        remainingMs * (this.options.renewFraction ?? 0.5),
      );
    };
    scheduleRenew();
    let outcome: { type: AckType; error?: string };
    try {
      await this.options.handler(record);
      outcome = { type: 'accept' };
    } catch (error) {
      outcome =
        error instanceof NonRetriableError
          ? { type: 'reject', error: error.message }
          : { type: 'release' };
    } finally {
      clearTimeout(timer);
    }
    const result = await this.ack(record.receipt, outcome.type, outcome.error);
    // LOCK_LOST: the lock ended (expiry or reconnect) and the record went back: it is not retried here.
    if (result && !result.ok) this.options.onError?.(result.error);
  }

  private ack(receipt: string, type: AckType, error?: string): Promise<AckResult | undefined> {
    const requestId = `a${this.nextRequestId++}`;
    return new Promise((resolve) => {
      if (
        !this.send({
          type: 'ack',
          requestId,
          acks: [{ receipt, type, ...(error ? { error } : {}) }],
        })
      ) {
        resolve(undefined);
        return;
      }
      this.pendingAcks.set(requestId, (results) => {
        this.pendingAcks.delete(requestId);
        resolve(results?.[0]);
      });
    });
  }

  private send(frame: object): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }
}
