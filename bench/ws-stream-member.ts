import WebSocket from 'ws';
import { openSocket } from './open-socket';
import { assigned, Assigned, StreamRecord, streamRecords, TopicPartition } from './stream-client';
import { log } from './util';
import { rawToString } from './ws-worker';

const REQUEST_TIMEOUT_MS = 30_000;

/** Called with the records of each pushed `records` frame. */
export type RecordsHandler = (records: StreamRecord[]) => void;

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
  error?: { code?: string; message?: string };
}

/**
 * A streaming consumer-group member on one WebSocket: one `stream` subscription whose pushed
 * `records` frames go to a handler, its latest `assignment` frame, `credit` grants and
 * `commit` frames matched to their `committed` answers by requestId.
 */
export class WsStreamMember {
  /** Error frames that answered no request of ours (e.g. a subscription that stopped). */
  unsolicitedErrors = 0;
  /** The latest assignment frame, if any came. */
  latest: Assigned | undefined;
  assignmentFrames = 0;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private subscriptionId: string | undefined;
  private onRecords: RecordsHandler = () => undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly name: string,
  ) {
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    socket.on('close', () => this.failAll(new Error(`socket ${name} closed`)));
    socket.on('error', (error) => this.failAll(error));
  }

  static async connect(url: string, name: string): Promise<WsStreamMember> {
    return new WsStreamMember(await openSocket(url, name), name);
  }

  /** Subscribes to `group` in mode stream from the earliest offset; answers the memberId. */
  async subscribe(group: string, topic: string, credit: number, onRecords: RecordsHandler) {
    this.onRecords = onRecords;
    const frame = { type: 'subscribe', mode: 'stream', group, topics: [topic], credit };
    const answer = await this.request({ ...frame, autoOffsetReset: 'earliest' });
    if (answer.type !== 'subscribed' || typeof answer.subscriptionId !== 'string') {
      throw new Error(`ws ${this.name}: subscribe answered ${JSON.stringify(answer)}`);
    }
    this.subscriptionId = answer.subscriptionId;
    return typeof answer.memberId === 'string' ? answer.memberId : '';
  }

  /** Grants `records` more credit to the subscription (the broker sends no answer). */
  grant(records: number): void {
    if (this.subscriptionId === undefined || records <= 0) return;
    const frame = { type: 'credit', subscriptionId: this.subscriptionId, records };
    this.socket.send(JSON.stringify(frame), (error) => {
      if (error) log(`ws ${this.name}: credit frame failed: ${String(error)}`);
    });
  }

  /** One `commit` frame (each offset the next to read); resolves on its `committed` answer. */
  async commit(offsets: Array<TopicPartition & { offset: number }>): Promise<void> {
    const answer = await this.request({
      type: 'commit',
      subscriptionId: this.subscriptionId,
      offsets,
    });
    if (answer.type !== 'committed')
      throw new Error(`ws ${this.name}: commit answered ${answer.type}`);
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
    let frame: Frame;
    try {
      frame = JSON.parse(rawToString(data)) as Frame;
    } catch {
      log(`ws ${this.name}: unparsable frame`);
      return;
    }
    const ours = this.subscriptionId !== undefined && frame.subscriptionId === this.subscriptionId;
    if (frame.type === 'records' && ours) {
      this.handle(() => this.onRecords(streamRecords(frame)), 'records');
    } else if (frame.type === 'assignment' && ours) {
      this.handle(() => {
        this.latest = assigned(frame);
        this.assignmentFrames++;
      }, 'assignment');
    } else if (typeof frame.requestId === 'string' && this.pending.has(frame.requestId)) {
      // Frames pushed right after `subscribed` may come in the same tick as it: the id is
      // taken here, not when the subscribe promise resolves.
      if (frame.type === 'subscribed' && typeof frame.subscriptionId === 'string') {
        this.subscriptionId = frame.subscriptionId;
      }
      if (frame.type === 'error') {
        const why = `${frame.error?.code}: ${frame.error?.message}`;
        this.settle(frame.requestId, new Error(`ws ${frame.requestId}: ${why}`));
      } else this.settle(frame.requestId, frame);
    } else if (frame.type === 'error') {
      this.unsolicitedErrors++;
      log(`ws ${this.name}: error frame ${JSON.stringify(frame.error)}`);
    }
  }

  private handle(work: () => void, what: string): void {
    try {
      work();
    } catch (error) {
      this.unsolicitedErrors++;
      log(`ws ${this.name}: bad ${what} frame: ${String(error)}`);
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
