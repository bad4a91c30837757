import { HttpClient, offsetCount } from './http-client';
import {
  log,
  quantile,
  RECORD_VALUE,
  recordsJson,
  round,
  secondsSince,
  sleep,
  throughput,
} from './util';

export interface LatencyPlan {
  topic: string;
  ratePerSec: number;
  durationMs: number;
  maxOutstanding: number;
  sockets: number;
  /** How long to wait for the last answers after the send window. */
  drainMs: number;
}

/**
 * Open loop: single-record produce requests sent on a fixed schedule, whether or not earlier
 * ones were answered. A request due while `maxOutstanding` are unanswered is skipped (counted).
 * The pool of `plan.sockets` keep-alive connections is opened before the measured window.
 * `latency*` is measured from the actual send, `scheduled*` from the time the request was due
 * (which also counts any delay of the load generator itself).
 */
export async function httpProduceLatency(port: number, plan: LatencyPlan) {
  const client = new HttpClient(port, plan.sockets);
  const path = `/topics/${encodeURIComponent(plan.topic)}/records`;
  const body = Buffer.from(`{"records":${recordsJson(1)}}`, 'utf8');
  const total = Math.floor((plan.ratePerSec * plan.durationMs) / 1000);
  // Open every pooled connection before the clock starts, so that the measured window does not
  // include connection set-up (which, once requests back up, snowballs into more new sockets).
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: plan.sockets }, () => client.expect(200, 'POST', path, body)),
    );
  }
  const fromSend = new Float64Array(total);
  const fromSchedule = new Float64Array(total);
  let ok = 0;
  let errors = 0;
  let skipped = 0;
  let sent = 0;
  let outstanding = 0;
  let maxOutstandingSeen = 0;
  let lastAnswerAt = 0n;
  const start = process.hrtime.bigint();
  const nsPerRequest = 1e9 / plan.ratePerSec;

  const fire = (index: number): void => {
    const dueAt = start + BigInt(Math.round(index * nsPerRequest));
    const sentAt = process.hrtime.bigint();
    outstanding++;
    maxOutstandingSeen = Math.max(maxOutstandingSeen, outstanding);
    sent++;
    void client
      .request('POST', path, body)
      .then(
        (answer) => {
          const now = process.hrtime.bigint();
          if (answer.status === 200 && offsetCount(answer.body) === 1) {
            fromSend[ok] = Number(now - sentAt) / 1e6;
            fromSchedule[ok] = Number(now - dueAt) / 1e6;
            ok++;
            lastAnswerAt = now;
          } else {
            errors++;
            log(`latency produce: status ${answer.status}`);
          }
        },
        (error: unknown) => {
          errors++;
          log(`latency produce failed: ${String(error)}`);
        },
      )
      .finally(() => outstanding--);
  };

  let next = 0;
  while (next < total && secondsSince(start) * 1000 < plan.durationMs + 1_000) {
    const due = Math.min(
      total,
      Math.floor(Number(process.hrtime.bigint() - start) / nsPerRequest) + 1,
    );
    for (; next < due; next++) {
      if (outstanding >= plan.maxOutstanding) skipped++;
      else fire(next);
    }
    await sleep(1);
  }
  skipped += total - next;
  const sendSeconds = secondsSince(start);
  const drainStart = process.hrtime.bigint();
  while (outstanding > 0 && secondsSince(drainStart) * 1000 < plan.drainMs) await sleep(5);
  if (outstanding > 0) log(`latency: ${outstanding} requests still unanswered after drain`);
  client.close();

  const sortedSend = fromSend.subarray(0, ok).sort();
  const sortedSchedule = fromSchedule.subarray(0, ok).sort();
  const answeredSeconds = lastAnswerAt > 0n ? Number(lastAnswerAt - start) / 1e9 : sendSeconds;
  return {
    targetRatePerSec: plan.ratePerSec,
    achievedRatePerSec: round(ok / Math.max(answeredSeconds, plan.durationMs / 1000), 1),
    sendRatePerSec: round(sent / sendSeconds, 1),
    requests: total,
    sent,
    ok,
    errors,
    skipped,
    unanswered: outstanding,
    maxOutstanding: maxOutstandingSeen,
    sockets: plan.sockets,
    seconds: round(sendSeconds, 3),
    p50Ms: round(quantile(sortedSend, 0.5), 3),
    p90Ms: round(quantile(sortedSend, 0.9), 3),
    p99Ms: round(quantile(sortedSend, 0.99), 3),
    p999Ms: round(quantile(sortedSend, 0.999), 3),
    maxMs: round(quantile(sortedSend, 1), 3),
    scheduledP50Ms: round(quantile(sortedSchedule, 0.5), 3),
    scheduledP99Ms: round(quantile(sortedSchedule, 0.99), 3),
    scheduledMaxMs: round(quantile(sortedSchedule, 1), 3),
  };
}

interface ReadPage {
  records?: Array<{ offset?: unknown; value?: unknown }>;
  nextOffset?: number;
  logEndOffset?: number;
}

/**
 * Reads `topic` partition `partition` from offset 0 to the log end as it was at the first
 * answer, with sequential requests of `maxRecords`.
 */
export async function readThroughput(
  port: number,
  topic: string,
  maxRecords: number,
  maxRequests: number,
  timeLimitMs: number,
  partition = 0,
) {
  const client = new HttpClient(port, 1);
  const base = `/topics/${encodeURIComponent(topic)}/partitions/${partition}/records`;
  let offset = 0;
  let end = Number.POSITIVE_INFINITY;
  let records = 0;
  let requests = 0;
  let timedOut = false;
  const start = process.hrtime.bigint();
  try {
    while (offset < end && requests < maxRequests) {
      if (secondsSince(start) * 1000 >= timeLimitMs) {
        timedOut = true;
        break;
      }
      const page = (await client.expect(
        200,
        'GET',
        `${base}?offset=${offset}&maxRecords=${maxRecords}`,
      )) as ReadPage;
      requests++;
      const got = page.records?.length ?? 0;
      if (typeof page.nextOffset !== 'number' || typeof page.logEndOffset !== 'number') {
        throw new Error('read answer lacks nextOffset/logEndOffset');
      }
      if (end === Number.POSITIVE_INFINITY) end = page.logEndOffset;
      if (got === 0 || page.nextOffset <= offset) {
        log(`read stalled at offset ${offset} (got ${got} records)`);
        break;
      }
      const first = page.records?.[0];
      if (first?.offset !== offset || first.value !== RECORD_VALUE) {
        throw new Error(`read at offset ${offset}: unexpected first record`);
      }
      records += got;
      offset = page.nextOffset;
    }
  } finally {
    client.close();
  }
  const seconds = secondsSince(start);
  return {
    ...throughput(records, seconds),
    maxRecords,
    requests,
    endOffset: end === Number.POSITIVE_INFINITY ? 0 : end,
    timedOut,
  };
}
