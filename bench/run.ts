/**
 * The Weir benchmark (`npm run bench`). Each broker runs in a child process on a fresh temp
 * data directory; the load comes from this process, over 127.0.0.1 only. Results go to stdout
 * as one JSON object per line, ending with a `summary` line; progress goes to stderr.
 * BENCH_ONLY=latency|produce runs one part only; BENCH_BROKER_ARGS adds node flags to the broker
 * children (e.g. `--cpu-prof`).
 * With `--postgres` (or BENCH_STORAGE=postgres) it runs the PostgreSQL mode instead (pg-suite.ts).
 */
import { cpus } from 'node:os';
import { killAllBrokers } from './broker-handle';
import { createTopic, scenario, warmUp, withBroker } from './harness';
import { httpProduceLatency, readThroughput } from './latency-read-scenarios';
import { runPostgresBench } from './pg-suite';
import { httpProduceBatch, ProducePlan, sqliteCeiling, wsProduceBatch } from './produce-scenarios';
import { ORDER_RESERVE_MS, runShareOrderScenarios } from './share-order-suite';
import { runShareScenarios, SHARE_RESERVE_MS } from './share-suite';
import { sqliteClaimAckCeiling, sqliteReadCeiling } from './sqlite-ceilings';
import { runStreamScenarios, STREAM_RESERVE_MS } from './stream-suite';
import { emit, log, round } from './util';

const TOTAL_RECORDS = 200_000;
const BATCH = 100;
const CLIENTS = 8;
const THROUGHPUT_TIME_LIMIT_MS = 60_000;
/** Scenario time limits shrink so that everything ends before this (after start). */
const DEADLINE_MS = 200_000 + STREAM_RESERVE_MS + SHARE_RESERVE_MS + ORDER_RESERVE_MS;
/** Past this the run is cut short: brokers killed, a partial summary printed. */
const WATCHDOG_MS = DEADLINE_MS + 15_000;
/** Time kept free for the stream-group scenarios and the share-group ones, which run last. */
const LATER = STREAM_RESERVE_MS + SHARE_RESERVE_MS + ORDER_RESERVE_MS;

type Figures = Record<string, number | boolean | null>;

const startedAt = Date.now();

/**
 * A time limit of `preferredMs`, cut so that `reserveMs` stay for the scenarios after it
 * before the deadline; at least one second.
 */
const budget = (preferredMs: number, reserveMs: number): number =>
  Math.max(1_000, Math.min(preferredMs, startedAt + DEADLINE_MS - reserveMs - Date.now()));

const plan = (topic: string, timeLimitMs: number, totalRecords = TOTAL_RECORDS): ProducePlan => ({
  topic,
  totalRecords,
  batchSize: BATCH,
  timeLimitMs,
});

const ratio = (value: number | undefined, ceiling: number | undefined): number | null =>
  value !== undefined && ceiling ? round(value / ceiling, 3) : null;

/** Every figure of the summary, filled in as scenarios finish. */
const figures: Figures = {};
/** Peak RSS (KiB) of each broker child. */
const rssKiB: Record<string, number> = {};

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    log(`watchdog: still running after ${WATCHDOG_MS / 1000} s, cutting the run short`);
    killAllBrokers();
    emitSummary(false);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  const f = figures;
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && only !== '') {
    await runOnly(only);
    clearTimeout(watchdog);
    emitSummary(true);
    return;
  }

  const ceiling = await scenario('sqlite_ceiling', () =>
    sqliteCeiling(TOTAL_RECORDS, 1_000, budget(20_000, 150_000 + LATER), 3),
  );
  const ceil = ceiling?.recordsPerSec;
  f.ceilingRecordsPerSec = ceil ?? null;
  const readCeiling = await scenario('sqlite_read_ceiling', () => sqliteReadCeiling(TOTAL_RECORDS));
  f.readCeilingRecordsPerSec = readCeiling?.recordsPerSec ?? null;
  const claimCeiling = await scenario('sqlite_claim_ack_ceiling', () =>
    sqliteClaimAckCeiling(TOTAL_RECORDS),
  );
  f.claimAckCeilingRecordsPerSec = claimCeiling?.recordsPerSec ?? null;

  rssKiB.httpAndRead = await withBroker('http', async (broker) => {
    await createTopic(broker, 'b1');
    await warmUp(broker);
    const http = await scenario(
      'http_produce_batch',
      async () => {
        const run = await httpProduceBatch(
          broker.port,
          plan('b1', budget(THROUGHPUT_TIME_LIMIT_MS, 110_000 + LATER)),
          CLIENTS,
        );
        const ratioToCeiling = ratio(run.recordsPerSec, ceil);
        return { ...run, clients: CLIENTS, batch: BATCH, ratioToCeiling };
      },
      broker,
    );
    f.httpProduceRecordsPerSec = http?.recordsPerSec ?? null;
    f.httpProduceMBPerSec = http?.mbPerSec ?? null;
    f.httpProduceRatio = ratio(http?.recordsPerSec, ceil);
    if (http && http.records < TOTAL_RECORDS) {
      log(`read_throughput: topic holds only ${http.records} records, reading those`);
    }
    const read = await scenario(
      'read_throughput',
      async () => {
        const limitMs = budget(THROUGHPUT_TIME_LIMIT_MS, 90_000 + LATER);
        const run = await readThroughput(broker.port, 'b1', 5_000, 1_000, limitMs);
        return { ...run, ratioToCeiling: ratio(run.recordsPerSec, ceil) };
      },
      broker,
    );
    f.readRecordsPerSec = read?.recordsPerSec ?? null;
    f.readMBPerSec = read?.mbPerSec ?? null;
    f.readRatio = ratio(read?.recordsPerSec, ceil);
  });

  for (const inFlight of [1, 4]) {
    const reserveMs = (inFlight === 1 ? 60_000 : 35_000) + LATER;
    rssKiB[`wsInFlight${inFlight}`] = await withBroker(`ws${inFlight}`, async (broker) => {
      await createTopic(broker, 'b1');
      await warmUp(broker);
      const ws = await scenario(
        'ws_produce_batch',
        async () => {
          const wsPlan = plan('b1', budget(THROUGHPUT_TIME_LIMIT_MS, reserveMs));
          const run = await wsProduceBatch(broker.port, wsPlan, CLIENTS, inFlight);
          const ratioToCeiling = ratio(run.recordsPerSec, ceil);
          return {
            ...run,
            clients: CLIENTS,
            inFlightPerClient: inFlight,
            batch: BATCH,
            ratioToCeiling,
          };
        },
        broker,
      );
      f[`wsInFlight${inFlight}RecordsPerSec`] = ws?.recordsPerSec ?? null;
      f[`wsInFlight${inFlight}Ratio`] = ratio(ws?.recordsPerSec, ceil);
    });
  }
  // The headline WebSocket figure is the better of the two in-flight settings.
  const wsBest = Math.max(
    Number(f.wsInFlight1RecordsPerSec ?? 0),
    Number(f.wsInFlight4RecordsPerSec ?? 0),
  );
  f.wsProduceRecordsPerSec = wsBest > 0 ? wsBest : null;
  f.wsProduceRatio = ratio(wsBest > 0 ? wsBest : undefined, ceil);

  rssKiB.latency = await withBroker('latency', async (broker) => {
    await createTopic(broker, 'lat');
    await warmUp(broker);
    const latency = await scenario(
      'http_produce_latency',
      () =>
        httpProduceLatency(broker.port, {
          topic: 'lat',
          ratePerSec: 1_000,
          durationMs: 10_000,
          maxOutstanding: 200,
          sockets: 64,
          drainMs: budget(30_000, LATER),
        }),
      broker,
    );
    f.latencyP50Ms = latency?.p50Ms ?? null;
    f.latencyP99Ms = latency?.p99Ms ?? null;
    f.latencyMaxMs = latency?.maxMs ?? null;
    f.latencyAchievedRatePerSec = latency?.achievedRatePerSec ?? null;
  });

  await runStreamScenarios({
    figures,
    rssKiB,
    budget,
    laterMs: SHARE_RESERVE_MS + ORDER_RESERVE_MS,
  });
  // the share scenarios keep ORDER_RESERVE_MS free for the ordering ones after them
  const shareBudget = (preferredMs: number, reserveMs: number) =>
    budget(preferredMs, reserveMs + ORDER_RESERVE_MS);
  await runShareScenarios({ figures, rssKiB, budget: shareBudget });
  await runShareOrderScenarios({ figures, rssKiB, budget });
  ceilingRatios(f);

  const peakKiB = Math.max(0, ...Object.values(rssKiB));
  const perBrokerMiB = Object.fromEntries(
    Object.entries(rssKiB).map(([name, kib]) => [name, round(kib / 1024, 1)]),
  );
  emit({ bench: 'peak_rss', peakRssMiB: round(peakKiB / 1024, 1), perBrokerMiB });
  clearTimeout(watchdog);
  emitSummary(true);
}

/**
 * BENCH_ONLY=latency runs only the share-group end-to-end latency scenarios, BENCH_ONLY=produce
 * only HTTP produce on a fresh broker: quick A/B runs of one figure.
 */
async function runOnly(only: string): Promise<void> {
  if (only === 'latency') {
    await runShareScenarios({ figures, rssKiB, budget, only: 'latency' });
    return;
  }
  if (only !== 'produce')
    throw new Error(`BENCH_ONLY must be 'latency' or 'produce', not '${only}'`);
  rssKiB.http = await withBroker('http', async (broker) => {
    await createTopic(broker, 'b1');
    await warmUp(broker);
    const http = await scenario(
      'http_produce_batch',
      () => httpProduceBatch(broker.port, plan('b1', THROUGHPUT_TIME_LIMIT_MS), CLIENTS),
      broker,
    );
    figures.httpProduceRecordsPerSec = http?.recordsPerSec ?? null;
  });
}

/** The targets as ratios: consume to the read ceiling, work queue to claim-and-ack. */
function ceilingRatios(f: Figures): void {
  const readCeil = Number(f.readCeilingRecordsPerSec ?? 0);
  const claimCeil = Number(f.claimAckCeilingRecordsPerSec ?? 0);
  const best = (...names: string[]) => Math.max(0, ...names.map((n) => Number(f[n] ?? 0)));
  f.streamBestRatioToReadCeiling = readCeil
    ? round(
        best(
          'streamHttp1RecordsPerSec',
          'streamHttp4RecordsPerSec',
          'streamWs1RecordsPerSec',
          'streamWs4RecordsPerSec',
        ) / readCeil,
        3,
      )
    : null;
  f.shareBestRatioToClaimAckCeiling = claimCeil
    ? round(best('shareHttpWorkersRecordsPerSec', 'shareWsWorkersRecordsPerSec') / claimCeil, 3)
    : null;
}

const HEADLINE = [
  'ceilingRecordsPerSec',
  'readCeilingRecordsPerSec',
  'claimAckCeilingRecordsPerSec',
  'streamBestRatioToReadCeiling',
  'shareBestRatioToClaimAckCeiling',
  'httpProduceRecordsPerSec',
  'httpProduceRatio',
  'wsProduceRecordsPerSec',
  'wsProduceRatio',
  'readRecordsPerSec',
  'readRatio',
  'latencyP50Ms',
  'latencyP99Ms',
  'streamHttp1RecordsPerSec',
  'streamHttp1RatioToRead',
  'streamHttp4RecordsPerSec',
  'streamHttp4RatioToRead',
  'streamWs1RecordsPerSec',
  'streamWs1RatioToRead',
  'streamWs4RecordsPerSec',
  'streamWs4RatioToRead',
  'shareHttpWorkersRecordsPerSec',
  'shareHttpRatioToProduce',
  'shareWsWorkersRecordsPerSec',
  'shareWsRatioToWsProduce',
  'shareE2eP50Ms',
  'shareE2eP99Ms',
  'shareOrderingNoneRecordsPerSec',
  'shareOrderingKeyRecordsPerSec',
  'shareOrderingKeyRatioToNone',
  'peakRssMiB',
];

/** The last line: machine, the headline figures first, then every other figure. */
function emitSummary(complete: boolean): void {
  const peakKiB = Math.max(0, ...Object.values(rssKiB));
  figures.peakRssMiB = peakKiB > 0 ? round(peakKiB / 1024, 1) : null;
  const cpu = cpus();
  emit({
    bench: 'summary',
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version },
    ...Object.fromEntries(HEADLINE.map((name) => [name, figures[name] ?? null])),
    ...figures,
    complete,
    totalSeconds: round((Date.now() - startedAt) / 1000, 1),
  });
}

if (process.argv.includes('--postgres') || process.env.BENCH_STORAGE === 'postgres') {
  void runPostgresBench();
} else {
  main().catch((error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAllBrokers();
    emitSummary(false);
    process.exitCode = 1;
  });
}
