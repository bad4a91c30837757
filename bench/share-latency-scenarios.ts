import { HttpClient, offsetCount } from './http-client';
import { acceptHttp, Delivered, groupLag, receive, Tally } from './share-client';
import { log, quantile, round, secondsSince, sleep, VALUE_BYTES } from './util';
import { WsShareWorker } from './ws-worker';

const MAX_ERRORS = 10;
/** A value's first letter tells warm-up (w) and measured (m) records apart; send time follows. */
const VALUE_PATTERN = /^([wm])(\d+)\|x*$/;

/**
 * End-to-end delivery latency of a share group. The producer is open loop, scheduled by time:
 * every `intervalMs` one produce request of `ratePerSec * intervalMs / 1000` records (2,000/s
 * as 10 records each 5 ms), sent whether or not earlier ones were answered (a tick due while
 * `maxOutstanding` requests are unanswered is skipped and counted). Each record's value is a
 * 254-character string that starts with its phase and send time, `m<hrtime ns>|xxx…`. Workers
 * wait for records (HTTP: long-poll receive; WebSocket: a share subscription with credit) and
 * accept each batch; latency = the time a worker has the batch − the time its request was sent.
 * A warm-up at the same rate, whose deliveries are not measured, comes first.
 */
export interface E2ePlan {
  transport: 'http' | 'ws';
  topic: string;
  group: string;
  workers: number;
  /** maxRecords of a receive, credit of a subscription. */
  batch: number;
  /** waitMs of an HTTP receive. */
  waitMs: number;
  ratePerSec: number;
  intervalMs: number;
  warmUpMs: number;
  durationMs: number;
  maxOutstanding: number;
  sockets: number;
  drainMs: number;
}

interface Phase {
  tag: 'w' | 'm';
  sent: number;
  produced: number;
  delivered: number;
}

/** Worker side: delivered records, by phase, and the latencies of the measured ones. */
class Collector {
  readonly tally: Tally;
  readonly latencies: Float64Array;
  readonly warm: Phase = { tag: 'w', sent: 0, produced: 0, delivered: 0 };
  readonly measured: Phase = { tag: 'm', sent: 0, produced: 0, delivered: 0 };
  lastDeliveryAt = 0n;
  /** Records delivered whose acknowledgement has not been answered yet. */
  unacked = 0;

  constructor(capacity: number) {
    this.tally = new Tally(capacity);
    this.latencies = new Float64Array(capacity);
  }

  onBatch(records: readonly Delivered[], receivedAt: bigint): void {
    const parse = (v: unknown) =>
      typeof v === 'string' && v.length === VALUE_BYTES - 2 ? VALUE_PATTERN.exec(v) : null;
    this.tally.deliver(records, (v) => parse(v) !== null);
    this.unacked += records.length;
    for (const r of records) {
      const [, tag, sentAt] = parse(r.value) ?? [];
      if (tag === undefined || sentAt === undefined) continue; // counted as a bad value
      const phase = tag === this.measured.tag ? this.measured : this.warm;
      if (phase === this.measured && phase.delivered < this.latencies.length) {
        this.latencies[phase.delivered] = Number(receivedAt - BigInt(sentAt)) / 1e6;
        this.lastDeliveryAt = receivedAt;
      }
      phase.delivered++;
    }
  }

  get over(): boolean {
    return this.tally.errors + this.tally.ackFailures >= MAX_ERRORS;
  }
}

/** Starts the workers; the answer stops them (closing their connections) and waits for them. */
async function startWorkers(port: number, plan: E2ePlan, c: Collector) {
  let stopping = false;
  if (plan.transport === 'ws') {
    const url = `ws://127.0.0.1:${port}/ws`;
    const workers = await Promise.all(
      Array.from({ length: plan.workers }, (_, i) => WsShareWorker.connect(url, `e2e-w${i}`)),
    );
    const onBatch = (w: WsShareWorker) => (records: Delivered[], receivedAt: bigint) => {
      c.onBatch(records, receivedAt);
      void w
        .accept(records)
        .then(
          (outcome) => c.tally.acked(outcome),
          (error: unknown) => {
            if (!stopping) c.tally.error('ws ack', error);
          },
        )
        .finally(() => {
          c.unacked -= records.length;
          if (!stopping) w.grant(records.length);
        });
    };
    await Promise.all(workers.map((w) => w.subscribe(plan.group, plan.batch, onBatch(w))));
    return async () => {
      stopping = true;
      await Promise.all(workers.map((w) => w.close()));
      for (const w of workers) c.tally.errors += w.unsolicitedErrors;
    };
  }
  const client = new HttpClient(port, plan.workers);
  const worker = async (index: number): Promise<void> => {
    while (!stopping && !c.over) {
      try {
        const records = await receive(client, plan.group, `e2e-w${index}`, plan.batch, plan.waitMs);
        if (records.length === 0) continue;
        c.onBatch(records, process.hrtime.bigint());
        try {
          c.tally.acked(await acceptHttp(client, plan.group, records));
        } finally {
          c.unacked -= records.length;
        }
      } catch (error) {
        if (stopping) return;
        c.tally.error('e2e worker', error);
        await sleep(50);
      }
    }
  };
  const loops = Promise.all(Array.from({ length: plan.workers }, (_, i) => worker(i)));
  return async () => {
    stopping = true;
    client.close(); // ends the pending long-polls: their errors are ignored while stopping
    await loops;
  };
}

/** Sends `phase` records open loop for `durationMs` (see E2ePlan); answers the seconds spent. */
async function produceOpenLoop(
  client: HttpClient,
  plan: E2ePlan,
  phase: Phase,
  durationMs: number,
  outstanding: { n: number; errors: number; skipped: number },
): Promise<number> {
  const path = `/topics/${encodeURIComponent(plan.topic)}/records`;
  const perTick = Math.max(1, Math.round((plan.ratePerSec * plan.intervalMs) / 1000));
  const ticks = Math.floor(durationMs / plan.intervalMs);
  const pad = 'x'.repeat(VALUE_BYTES);
  const fire = (): void => {
    const sentAt = process.hrtime.bigint();
    const value = JSON.stringify(`${phase.tag}${sentAt}|${pad}`.slice(0, VALUE_BYTES - 2));
    const body = `{"records":[${new Array<string>(perTick).fill(`{"value":${value}}`).join(',')}]}`;
    outstanding.n++;
    phase.sent += perTick;
    void client
      .request('POST', path, body)
      .then(
        (answer) => {
          if (answer.status === 200 && offsetCount(answer.body) === perTick) {
            phase.produced += perTick;
          } else {
            outstanding.errors++;
            log(`e2e produce: status ${answer.status}`);
          }
        },
        (error: unknown) => {
          outstanding.errors++;
          log(`e2e produce failed: ${String(error)}`);
        },
      )
      .finally(() => outstanding.n--);
  };
  const start = process.hrtime.bigint();
  let next = 0;
  while (next < ticks && secondsSince(start) * 1000 < durationMs + 1_000) {
    const due = Math.min(ticks, Math.floor((secondsSince(start) * 1000) / plan.intervalMs) + 1);
    for (; next < due; next++) {
      if (outstanding.n >= plan.maxOutstanding) outstanding.skipped++;
      else fire();
    }
    await sleep(1);
  }
  outstanding.skipped += ticks - next;
  return secondsSince(start);
}

/** Waits (at most `limitMs`) until every produced record of `phase` was delivered and acked. */
async function drain(phase: Phase, outstanding: { n: number }, c: Collector, limitMs: number) {
  const start = process.hrtime.bigint();
  while (secondsSince(start) * 1000 < limitMs && !c.over) {
    if (outstanding.n === 0 && phase.delivered >= phase.produced && c.unacked === 0) return;
    await sleep(5);
  }
  const missing = phase.produced - phase.delivered;
  log(`e2e drain after ${limitMs} ms: ${missing} records undelivered, ${c.unacked} unacked`);
}

/** The share-group end-to-end latency run of `plan` on a broker with the topic and group. */
export async function shareE2eLatency(port: number, plan: E2ePlan) {
  const capacity = Math.ceil((plan.ratePerSec * (plan.warmUpMs + plan.durationMs)) / 1000) + 100;
  const c = new Collector(capacity);
  const producer = new HttpClient(port, plan.sockets);
  const outstanding = { n: 0, errors: 0, skipped: 0 };
  const stopWorkers = await startWorkers(port, plan, c);
  let seconds = 0;
  let windowStart = 0n;
  try {
    await produceOpenLoop(producer, plan, c.warm, plan.warmUpMs, outstanding);
    await drain(c.warm, outstanding, c, 5_000);
    Object.assign(outstanding, { errors: 0, skipped: 0 });
    windowStart = process.hrtime.bigint();
    seconds = await produceOpenLoop(producer, plan, c.measured, plan.durationMs, outstanding);
    await drain(c.measured, outstanding, c, plan.drainMs);
  } finally {
    await stopWorkers();
    producer.close();
  }
  const admin = new HttpClient(port, 1);
  const lagAfter = await groupLag(admin, plan.group).finally(() => admin.close());
  const m = c.measured;
  const sorted = c.latencies.subarray(0, Math.min(m.delivered, capacity)).sort();
  const deliveredSeconds = c.lastDeliveryAt > 0n ? Number(c.lastDeliveryAt - windowStart) / 1e9 : 0;
  const { delivered: allDeliveries, ...counts } = c.tally.figures();
  return {
    transport: plan.transport,
    targetRatePerSec: plan.ratePerSec,
    achievedRatePerSec: round(m.delivered / Math.max(deliveredSeconds, plan.durationMs / 1000), 1),
    sendRatePerSec: round(m.sent / Math.max(seconds, 1e-9), 1),
    intervalMs: plan.intervalMs,
    recordsPerRequest: Math.max(1, Math.round((plan.ratePerSec * plan.intervalMs) / 1000)),
    workers: plan.workers,
    ...(plan.transport === 'http' ? { waitMs: plan.waitMs, maxRecords: plan.batch } : {}),
    ...(plan.transport === 'ws' ? { credit: plan.batch } : {}),
    seconds: round(seconds, 3),
    sent: m.sent,
    produced: m.produced,
    delivered: m.delivered,
    produceErrors: outstanding.errors,
    skippedTicks: outstanding.skipped,
    warmUpDelivered: c.warm.delivered,
    allDeliveries,
    ...counts,
    lagAfter,
    p50Ms: round(quantile(sorted, 0.5), 3),
    p90Ms: round(quantile(sorted, 0.9), 3),
    p99Ms: round(quantile(sorted, 0.99), 3),
    maxMs: round(quantile(sorted, 1), 3),
  };
}
