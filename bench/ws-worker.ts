import WebSocket from 'ws';
import { openSocket } from './open-socket';
import { AckOutcome, ackOutcome, acceptAll, Delivered, deliveredRecords } from './share-client';
import { log } from './util';

const REQUEST_TIMEOUT_MS = 30_000;

/** Called with each pushed `records` frame and the time (hrtime ns) it was parsed. */
export type BatchHandler = (records: Delivered[], receivedAt: bigint) => void;

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Frame {
  type?: string;
  requestId?: unknown;
  subscriptionId?: unknown;
  memberId?: unknown;
  records?: unknown;
  results?: unknown;
  error?: { code?: string; message?: string };
}

/**
 * A share-group worker on one WebSocket: one `share` subscription whose pushed batches go to a
 * handler, `ack` frames matched to their `acked` answers by requestId, and `credit` grants.
 */
export class WsShareWorker {
  /** Error frames that answered no request of ours (e.g. a subscription that stopped). */
  unsolicitedErrors = 0;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private subscriptionId: string | undefined;
  private onBatch: BatchHandler = () => undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly name: string,
  ) {
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    socket.on('close', () => this.failAll(new Error(`socket ${name} closed`)));
    socket.on('error', (error) => this.failAll(error));
  }

  static async connect(url: string, name: string): Promise<WsShareWorker> {
    return new WsShareWorker(await openSocket(url, name), name);
  }

  /** Subscribes to `group` in mode share with `credit`; pushed batches go to `onBatch`. */
  async subscribe(group: string, credit: number, onBatch: BatchHandler): Promise<string> {
    this.onBatch = onBatch;
    const answer = await this.request({ type: 'subscribe', mode: 'share', group, credit });
    if (answer.type !== 'subscribed' || typeof answer.subscriptionId !== 'string') {
      throw new Error(`ws ${this.name}: subscribe answered ${JSON.stringify(answer)}`);
    }
    this.subscriptionId = answer.subscriptionId;
    return typeof answer.memberId === 'string' ? answer.memberId : '';
  }

  /** One `ack` frame accepting every one of `records`. */
  async accept(records: readonly Delivered[]): Promise<AckOutcome> {
    const answer = await this.request({ type: 'ack', acks: acceptAll(records) });
    if (answer.type !== 'acked') throw new Error(`ws ${this.name}: ack answered ${answer.type}`);
    return ackOutcome(answer, records.length);
  }

  /** Grants `records` more credit to the subscription (the broker sends no answer). */
  grant(records: number): void {
    if (this.subscriptionId === undefined || records <= 0) return;
    const frame = { type: 'credit', subscriptionId: this.subscriptionId, records };
    this.socket.send(JSON.stringify(frame), (error) => {
      if (error) log(`ws ${this.name}: credit frame failed: ${String(error)}`);
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

  private request(frame: Record<string, unknown>): Promise<Frame> {
    const requestId = `${this.name}-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`ws ${requestId}: no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ ...frame, requestId }), (error) => {
        if (error) this.settle(requestId, error);
      });
    });
  }

  private onMessage(data: WebSocket.RawData): void {
    const receivedAt = process.hrtime.bigint();
    let frame: Frame;
    try {
      frame = JSON.parse(rawToString(data)) as Frame;
    } catch {
      log(`ws ${this.name}: unparsable frame`);
      return;
    }
    if (frame.type === 'records' && frame.subscriptionId === this.subscriptionId) {
      let records: Delivered[];
      try {
        records = deliveredRecords(frame);
      } catch (error) {
        this.unsolicitedErrors++;
        log(`ws ${this.name}: bad records frame: ${String(error)}`);
        return;
      }
      try {
        this.onBatch(records, receivedAt);
      } catch (error) {
        this.unsolicitedErrors++;
        log(`ws ${this.name}: batch handler failed: ${String(error)}`);
      }
    } else if (typeof frame.requestId === 'string' && this.pending.has(frame.requestId)) {
      if (frame.type === 'error') {
        const why = `${frame.error?.code}: ${frame.error?.message}`;
        this.settle(frame.requestId, new Error(`ws ${frame.requestId}: ${why}`));
      } else this.settle(frame.requestId, frame);
    } else if (frame.type === 'error') {
      this.unsolicitedErrors++;
      log(`ws ${this.name}: error frame ${JSON.stringify(frame.error)}`);
    }
  }

  private settle(requestId: string, outcome: Frame | Error): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }
}

export function rawToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
