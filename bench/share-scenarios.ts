import { HttpClient } from './http-client';
import { httpProduceBatch, ProduceRun } from './produce-scenarios';
import { acceptHttp, createGroup, Delivered, groupLag, receive, Tally } from './share-client';
import { log, RECORD_VALUE, round, secondsSince, throughput } from './util';
import { WsShareWorker } from './ws-worker';

/** Stop a worker run after this many failed requests or acknowledgements. */
const MAX_ERRORS = 10;
/** Long-poll of an HTTP worker that found nothing (others hold the rest): ends the run soon. */
const EMPTY_WAIT_MS = 250;
const BACKLOG_BATCH = 1_000;
const BACKLOG_CLIENTS = 4;

/** One worker run over a backlog that was filled before it. */
export interface WorkerPlan {
  group: string;
  workers: number;
  /** maxRecords of an HTTP receive, the credit of a WebSocket subscription. */
  batch: number;
  /** Records in the backlog: the run ends when that many were accepted. */
  expected: number;
  timeLimitMs: number;
}

/** A topic of `partitions` partitions and `total` 256-byte records, then a group on it. */
export async function fillBacklog(
  port: number,
  topic: string,
  group: string,
  partitions: number,
  total: number,
  timeLimitMs: number,
): Promise<ProduceRun> {
  const client = new HttpClient(port, 1);
  try {
    await client.createTopic(topic, partitions);
    const plan = { topic, totalRecords: total, batchSize: BACKLOG_BATCH, timeLimitMs };
    const run = await httpProduceBatch(port, plan, BACKLOG_CLIENTS);
    if (run.records < total) log(`backlog of '${topic}': only ${run.records} of ${total}`);
    await createGroup(client, group, [topic]);
    return run;
  } finally {
    client.close();
  }
}

const isBenchValue = (value: unknown): boolean => value === RECORD_VALUE;

/** What the caller reports of the backlog fill next to the worker figures. */
export const backlogFigures = (run: ProduceRun) => ({
  backlogRecords: run.records,
  backlogBatch: BACKLOG_BATCH,
  backlogClients: BACKLOG_CLIENTS,
  backlogFillRecordsPerSec: run.recordsPerSec,
  backlogFillErrors: run.errors,
});

/** Throughput from the start to the last accepting answer, and the checks of the end state. */
async function conclude(
  port: number,
  plan: WorkerPlan,
  tally: Tally,
  start: bigint,
  doneAt: bigint | undefined,
  timedOut: boolean,
) {
  const seconds = Number((doneAt ?? process.hrtime.bigint()) - start) / 1e9;
  const client = new HttpClient(port, 1);
  let lagAfter: number | null = null;
  try {
    lagAfter = await groupLag(client, plan.group);
  } catch (error) {
    tally.error('group describe', error);
  } finally {
    client.close();
  }
  const counts = tally.figures();
  const verified =
    counts.accepted === plan.expected &&
    counts.distinct === plan.expected &&
    counts.duplicates === 0 &&
    counts.badValues === 0 &&
    counts.ackFailures === 0 &&
    lagAfter === 0;
  if (!verified) log(`${plan.group}: not verified: ${JSON.stringify({ ...counts, lagAfter })}`);
  const { recordsPerSec, mbPerSec } = throughput(counts.accepted, seconds);
  return {
    recordsPerSec,
    mbPerSec,
    seconds: round(seconds, 3),
    expected: plan.expected,
    ...counts,
    lagAfter,
    verified,
    timedOut,
    workers: plan.workers,
  };
}

/**
 * `plan.workers` HTTP workers, each looping receive(maxRecords = batch) → check → one acks
 * request accepting the whole batch, until the backlog is accepted. Given several ports (the
 * nodes of a cluster), worker i talks to `ports[i % ports.length]`.
 */
export async function httpShareWorkers(port: number | readonly number[], plan: WorkerPlan) {
  if (plan.expected <= 0) throw new Error('the backlog is empty');
  const ports = typeof port === 'number' ? [port] : port;
  const pool = ports.map((p) => new HttpClient(p, Math.ceil(plan.workers / ports.length)));
  const tally = new Tally(plan.expected);
  let receives = 0;
  let emptyReceives = 0;
  let timedOut = false;
  let doneAt: bigint | undefined;
  const start = process.hrtime.bigint();
  const over = (): boolean =>
    doneAt !== undefined || timedOut || tally.errors + tally.ackFailures >= MAX_ERRORS;
  const worker = async (index: number): Promise<void> => {
    const client = pool[index % pool.length]!;
    const memberId = `http-w${index}`;
    while (!over()) {
      if (secondsSince(start) * 1000 >= plan.timeLimitMs) {
        timedOut = true;
        return;
      }
      let records: Delivered[];
      try {
        records = await receive(client, plan.group, memberId, plan.batch, EMPTY_WAIT_MS);
      } catch (error) {
        tally.error('receive', error);
        continue;
      }
      receives++;
      if (records.length === 0) {
        emptyReceives++;
        continue;
      }
      tally.deliver(records, isBenchValue);
      try {
        tally.acked(await acceptHttp(client, plan.group, records));
      } catch (error) {
        tally.error('acks', error);
      }
      if (tally.accepted >= plan.expected) doneAt ??= process.hrtime.bigint();
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.workers }, (_, i) => worker(i)));
  } finally {
    for (const client of pool) client.close();
  }
  const run = await conclude(ports[0]!, plan, tally, start, doneAt, timedOut);
  return { ...run, maxRecords: plan.batch, receives, emptyReceives };
}

/**
 * `plan.workers` WebSocket workers, each subscribed with credit `batch`: every pushed batch is
 * answered with one ack frame for the whole batch, and once acked, with a credit grant of its
 * size. Ends when the backlog is accepted.
 */
export async function wsShareWorkers(port: number, plan: WorkerPlan) {
  if (plan.expected <= 0) throw new Error('the backlog is empty');
  const url = `ws://127.0.0.1:${port}/ws`;
  const workers = await Promise.all(
    Array.from({ length: plan.workers }, (_, i) => WsShareWorker.connect(url, `ws-w${i}`)),
  );
  const tally = new Tally(plan.expected);
  let batches = 0;
  let maxBatch = 0;
  let overCredit = 0;
  /** Credit each worker has left as the client counts it: never below 0 if the broker keeps it. */
  const credit = new Map(workers.map((w) => [w, plan.batch]));
  let timedOut = false;
  let doneAt: bigint | undefined;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onBatch = (worker: WsShareWorker) => (records: Delivered[]) => {
    batches++;
    maxBatch = Math.max(maxBatch, records.length);
    const left = (credit.get(worker) ?? 0) - records.length;
    credit.set(worker, left);
    if (left < 0) {
      overCredit++;
      tally.error('ws push', `${worker.name}: ${records.length} records, ${-left} over the credit`);
    }
    tally.deliver(records, isBenchValue);
    void worker
      .accept(records)
      .then(
        (outcome) => tally.acked(outcome),
        (error: unknown) => tally.error('ws ack', error),
      )
      .finally(() => {
        if (tally.accepted >= plan.expected) {
          doneAt ??= process.hrtime.bigint();
          finish();
        } else if (tally.errors + tally.ackFailures >= MAX_ERRORS) finish();
        else {
          credit.set(worker, (credit.get(worker) ?? 0) + records.length);
          worker.grant(records.length);
        }
      });
  };
  const start = process.hrtime.bigint();
  const timer = setTimeout(() => {
    timedOut = true;
    finish();
  }, plan.timeLimitMs);
  try {
    await Promise.all(workers.map((w) => w.subscribe(plan.group, plan.batch, onBatch(w))));
    await finished;
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.close()));
  }
  for (const w of workers) tally.errors += w.unsolicitedErrors;
  const run = await conclude(port, plan, tally, start, doneAt, timedOut);
  return { ...run, credit: plan.batch, batches, maxBatch, overCredit };
}
