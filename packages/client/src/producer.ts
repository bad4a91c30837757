import { BackoffOptions, backoffDelayMs, sleep } from './backoff';
import { WeirError, WeirErrorCode } from './errors';
import { requestJson } from './http-json';
import { ProducerRecord, RecordMetadata, toWireInput } from './records';

export interface ProducerOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  /** How long a record may wait for others to share its request (default 5 ms). */
  lingerMs?: number;
  /** Most records in one request (default 500). */
  maxBatch?: number;
  /** Most requests awaiting an answer at once (default 8); 1 keeps batches in order. */
  maxInFlight?: number;
  /** Most records queued and not yet in a request; `send` waits beyond it (default 10,000). */
  maxBufferedRecords?: number;
  /** Retries of a retriable failure before its records fail (default 8). */
  retries?: number;
  /** Delay between retries (default 100 ms doubling to 5 s, jittered). */
  retryBackoff?: BackoffOptions;
  /** Deadline of one request (default 30,000 ms); a timeout is retried like a network error. */
  requestTimeoutMs?: number;
}

interface PendingRecord {
  input: Record<string, unknown>;
  /** Its position in the `send` call that queued it: errors name the record by it. */
  index: number;
  resolve: (metadata: RecordMetadata) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  topic: string;
  records: PendingRecord[];
}

/**
 * Produces over HTTP. Records queue per topic and leave as one request when `maxBatch` of them
 * are waiting or `lingerMs` passed; at most `maxInFlight` requests are open, and `send` waits
 * while `maxBufferedRecords` records queue behind them (back-pressure). Network errors,
 * timeouts and 503 are retried with jittered backoff (a retried request may have been written:
 * at least once). Each record's promise resolves with its partition and offset once durable.
 */
export class Producer {
  private readonly queues = new Map<string, PendingRecord[]>();
  private readonly lingerTimers = new Map<string, NodeJS.Timeout>();
  private readonly ready: Batch[] = [];
  private queued = 0;
  private inFlight = 0;
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: ProducerOptions) {}

  /**
   * Queues `records` for `topic`, waiting while the buffer is full. Resolves once all of them
   * are queued, with one promise per record (in order) that settles when the broker answered.
   */
  async send(
    topic: string,
    records: readonly ProducerRecord[],
  ): Promise<Array<Promise<RecordMetadata>>> {
    const results: Array<Promise<RecordMetadata>> = [];
    for (let next = 0; next < records.length;) {
      await this.waitForSpace();
      const room = Math.max(1, this.maxBufferedRecords - this.queued);
      records.slice(next, next + room).forEach((record, i) => {
        results.push(this.enqueue(topic, record, next + i));
      });
      next += room;
    }
    return results;
  }

  /** `send`, then waits until every record is durable: their partitions and offsets, in order. */
  async produce(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(await this.send(topic, records));
  }

  /** Sends what lingers now and waits until every request so far is answered. */
  async flush(): Promise<void> {
    for (const topic of [...this.queues.keys()]) this.seal(topic);
    if (this.isIdle) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new records, then flushes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private get maxBatch(): number {
    return this.options.maxBatch ?? 500;
  }

  private get maxBufferedRecords(): number {
    return this.options.maxBufferedRecords ?? 10_000;
  }

  private get isIdle(): boolean {
    return this.inFlight === 0 && this.queued === 0;
  }

  private async waitForSpace(): Promise<void> {
    this.assertOpen();
    while (this.queued >= this.maxBufferedRecords) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      this.assertOpen();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new WeirError(WeirErrorCode.CLOSED, 'the producer is closed');
  }

  private enqueue(topic: string, record: ProducerRecord, index: number): Promise<RecordMetadata> {
    let queue = this.queues.get(topic);
    if (!queue) this.queues.set(topic, (queue = []));
    const promise = new Promise<RecordMetadata>((resolve, reject) =>
      queue.push({ input: toWireInput(record), index, resolve, reject }),
    );
    // The caller may hold only some of the promises: a failure must not be an unhandled rejection.
    promise.catch(() => undefined);
    this.queued += 1;
    if (queue.length >= this.maxBatch) this.seal(topic);
    else if (!this.lingerTimers.has(topic)) {
      this.lingerTimers.set(
        topic,
        setTimeout(() => this.seal(topic), this.options.lingerMs ?? 5),
      );
    }
    return promise;
  }

  /** Moves the topic's queued records into batches ready to send. */
  private seal(topic: string): void {
    clearTimeout(this.lingerTimers.get(topic));
    this.lingerTimers.delete(topic);
    const queue = this.queues.get(topic) ?? [];
    this.queues.delete(topic);
    while (queue.length > 0) this.ready.push({ topic, records: queue.splice(0, this.maxBatch) });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < (this.options.maxInFlight ?? 8)) {
      const batch = this.ready.shift();
      if (!batch) break;
      this.queued -= batch.records.length;
      this.inFlight += 1;
      void this.deliver(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
    if (this.queued < this.maxBufferedRecords) {
      for (const wake of this.spaceWaiters.splice(0)) wake();
    }
    if (this.isIdle) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /**
   * One request and its retries; settles every record of the batch. Records of several `send`
   * calls share a batch, so a refusal that names records (an index, or problems under
   * `records.<i>`) fails only those, each with its own index, and the rest are sent again; a
   * batch too large for the broker is split in halves. Only a refusal of the topic itself (not
   * found, forbidden) fails every record.
   */
  private async deliver(batch: Batch): Promise<void> {
    const path = `/topics/${encodeURIComponent(batch.topic)}/records`;
    let records = batch.records;
    for (let attempt = 0; records.length > 0;) {
      try {
        const answer = await requestJson<{ offsets: Array<{ partition: number; offset: number }> }>(
          this.options,
          'POST',
          path,
          { records: records.map((r) => r.input) },
          { timeoutMs: this.options.requestTimeoutMs ?? 30_000 },
        );
        records.forEach((r, i) => {
          const offset = answer.offsets[i];
          if (offset) r.resolve({ topic: batch.topic, ...offset });
          else r.reject(new WeirError(WeirErrorCode.BAD_RESPONSE, 'no offset for the record'));
        });
        return;
      } catch (error) {
        const bad = refusedRecords(error, records.length);
        if (bad.size > 0 && error instanceof WeirError) {
          records.forEach((r, i) => bad.has(i) && r.reject(renamed(error, i, r.index)));
          records = records.filter((_r, i) => !bad.has(i));
        } else if (isTooLarge(error) && records.length > 1) {
          const half = Math.ceil(records.length / 2); // in turn, so that order is kept
          await this.deliver({ topic: batch.topic, records: records.slice(0, half) });
          await this.deliver({ topic: batch.topic, records: records.slice(half) });
          return;
        } else if (error instanceof WeirError && error.retriable && attempt < this.retries) {
          await sleep(backoffDelayMs(attempt++, this.options.retryBackoff));
        } else {
          for (const r of records) r.reject(error);
          return;
        }
      }
    }
  }

  private get retries(): number {
    return this.options.retries ?? 8;
  }
}

/** The positions of the records a refused request names: `details.index`, or its problems. */
function refusedRecords(error: unknown, size: number): Set<number> {
  const bad = new Set<number>();
  if (!(error instanceof WeirError) || error.retriable) return bad;
  const details = error.details as
    { index?: unknown; problems?: Array<{ path?: unknown }> } | undefined;
  const add = (index: number) =>
    Number.isInteger(index) && index >= 0 && index < size && bad.add(index);
  if (typeof details?.index === 'number') add(details.index);
  for (const problem of Array.isArray(details?.problems) ? details.problems : []) {
    const match =
      typeof problem.path === 'string' ? /^body\.records\.(\d+)/.exec(problem.path) : null;
    if (match) add(Number(match[1]));
    else return new Set(); // a problem of the request itself: it fails as a whole
  }
  return bad;
}

/** The broker's refusal of one record, naming it by its index in its own `send` call. */
function renamed(error: WeirError, batchIndex: number, ownIndex: number): WeirError {
  const details = { ...(error.details as object | undefined), index: ownIndex };
  const message = error.message.replaceAll(`records[${batchIndex}]`, `records[${ownIndex}]`);
  return new WeirError(error.code, message, error.status, details);
}

/** A refusal of the request's size (records or bytes), which a smaller request avoids. */
function isTooLarge(error: unknown): boolean {
  return (
    error instanceof WeirError &&
    (error.code === WeirErrorCode.BATCH_TOO_LARGE || error.code === WeirErrorCode.REQUEST_TOO_LARGE)
  );
}
