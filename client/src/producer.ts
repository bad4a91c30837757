import { jitteredBackoffMs, sleep, WeirError } from './errors';
import { requestJson } from './http-json';

/** A record to produce, as the broker's API takes it. */
export interface ProducerRecord {
  key?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string>;
  partition?: number;
  timestampMs?: number;
}

/** Where a record landed once durable. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface ProducerOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** How long a record may wait for others to share its request (default 5 ms). */
  lingerMs?: number;
  /** Most records in one request (default 500). */
  maxBatch?: number;
  /** Most requests awaiting an answer; `send` waits beyond it (default 8). */
  maxInFlight?: number;
  /** Attempts for a retriable failure (default 5). */
  retries?: number;
}

interface Pending {
  record: ProducerRecord;
  resolve: (m: RecordMetadata) => void;
  reject: (e: unknown) => void;
}

/**
 * Batches records per topic (linger and max batch), keeps at most `maxInFlight` requests open,
 * retries retriable failures with jittered backoff, and resolves each record's promise with its
 * partition and offset once the broker answered that it is durable.
 */
export class Producer {
  private readonly queues = new Map<string, Pending[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly sending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ProducerOptions) {}

  /** Queues `records` for `topic`; each promise resolves once that record is durable. */
  send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed)
      return Promise.reject(new WeirError('PRODUCER_CLOSED', 'the producer is closed'));
    let queue = this.queues.get(topic);
    if (!queue) this.queues.set(topic, (queue = []));
    const promises = records.map(
      (record) =>
        new Promise<RecordMetadata>((resolve, reject) => queue.push({ record, resolve, reject })),
    );
    if (queue.length >= (this.options.maxBatch ?? 500)) this.drain(topic);
    else if (!this.timers.has(topic)) {
      this.timers.set(
        topic,
        setTimeout(() => this.drain(topic), this.options.lingerMs ?? 5),
      );
    }
    return Promise.all(promises);
  }

  /** Sends everything queued and waits for every answer. */
  async flush(): Promise<void> {
    for (const topic of [...this.queues.keys()]) this.drain(topic);
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private drain(topic: string): void {
    const timer = this.timers.get(topic);
    if (timer) clearTimeout(timer);
    this.timers.delete(topic);
    const queue = this.queues.get(topic) ?? [];
    const max = this.options.maxBatch ?? 500;
    while (queue.length > 0) {
      const batch = queue.splice(0, max);
      const sent = this.sendBatch(topic, batch).finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    }
  }

  private async sendBatch(topic: string, batch: Pending[]): Promise<void> {
    await this.acquireSlot();
    try {
      const path = `/topics/${encodeURIComponent(topic)}/records`;
      const body = { records: batch.map((p) => p.record) };
      for (let attempt = 0; ; attempt++) {
        try {
          const answer = await requestJson<{
            offsets: Array<{ partition: number; offset: number }>;
          }>(this.options.url, 'POST', path, body);
          answer.offsets.forEach((o, i) => batch[i]?.resolve({ topic, ...o }));
          return;
        } catch (error) {
          const retriable = error instanceof WeirError && error.retriable;
          if (!retriable || attempt + 1 >= (this.options.retries ?? 5)) {
            for (const p of batch) p.reject(error);
            return;
          }
          await sleep(jitteredBackoffMs(attempt));
        }
      }
    } finally {
      this.releaseSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    while (this.inFlight >= (this.options.maxInFlight ?? 8)) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight += 1;
  }

  private releaseSlot(): void {
    this.inFlight -= 1;
    this.slotWaiters.shift()?.();
  }
}
