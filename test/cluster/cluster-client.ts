import { choosePartition } from '../../src/modules/topics/domain/partitioner';

/** A record as a share-group receive answers it. */
export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: number;
  key?: string;
  value?: unknown;
  deliveryCount: number;
  receipt: string;
}

/** An HTTP answer: status and parsed body. */
export interface Answer {
  status: number;
  body: any;
}

/** One JSON request to a node, bounded; a connection failure answers status 0. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<Answer> {
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** Calls until the answer is 2xx (retrying 0 and 503 answers), bounded by `timeoutMs`. */
export async function callUntilOk(
  url: string,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  let last: Answer = { status: 0, body: 'not tried' };
  for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
    last = await call(url, method, path, body);
    if (last.status >= 200 && last.status < 300) return last;
    if (last.status !== 0 && last.status !== 503) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${method} ${path} on ${url}: ${last.status} ${JSON.stringify(last.body)}`);
}

/** Where Kafka's default partitioner puts a string key. */
export function partitionOfKey(key: string, partitions: number): number {
  return choosePartition(partitions, 0, Buffer.from(key, 'utf8'));
}

/** Every record of a partition, read through `url` page by page (bounded). */
export async function readAll(
  url: string,
  topic: string,
  partition: number,
): Promise<Array<{ offset: number; key?: string; value?: unknown }>> {
  const records: Array<{ offset: number; key?: string; value?: unknown }> = [];
  let offset = 0;
  for (let page = 0; page < 1_000; page++) {
    const answer = await callUntilOk(
      url,
      'GET',
      `/topics/${topic}/partitions/${partition}/records?offset=${offset}&maxRecords=1000`,
      undefined,
      30_000,
    );
    const body = answer.body as {
      records: typeof records;
      nextOffset: number;
      logEndOffset: number;
    };
    records.push(...body.records);
    offset = body.nextOffset;
    if (offset >= body.logEndOffset) return records;
  }
  throw new Error('too many pages');
}

/**
 * A share-group worker on one node: receives (long-polling), accepts what it got, and keeps
 * every delivery it saw, until stopped. A worker may be told to hold what it receives instead
 * (it never acknowledges: its node dies with the records locked).
 */
export class Worker {
  readonly deliveries: ReceivedRecord[] = [];
  readonly accepted: ReceivedRecord[] = [];
  readonly failures: string[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    readonly url: string,
    private readonly group: string,
    private readonly options: { lockDurationMs: number; hold?: boolean },
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const memberId = `w-${Math.random().toString(16).slice(2)}`;
    for (let round = 0; !this.stopped && round < 100_000; round++) {
      const got = await call(this.url, 'POST', `/queues/groups/${this.group}/receive`, {
        memberId,
        maxRecords: 25,
        waitMs: 300,
        lockDurationMs: this.options.lockDurationMs,
      });
      if (got.status !== 200) {
        this.failures.push(`receive ${got.status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const records = (got.body as { records: ReceivedRecord[] }).records;
      this.deliveries.push(...records);
      if (this.options.hold || records.length === 0) continue;
      const acked = await call(this.url, 'POST', `/queues/groups/${this.group}/acks`, {
        acks: records.map((r) => ({ receipt: r.receipt, type: 'accept' })),
      });
      if (acked.status !== 200) {
        this.failures.push(`acks ${acked.status}`);
        continue;
      }
      (acked.body as { results: Array<{ ok: boolean }> }).results.forEach((result, i) => {
        if (result.ok) this.accepted.push(records[i]!);
        else this.failures.push(`ack ${JSON.stringify(result)}`);
      });
    }
  }
}

/** `topic/partition/offset` of a record. */
export const recordKey = (r: { topic: string; partition: number; offset: number }): string =>
  `${r.topic}/${r.partition}/${r.offset}`;
