/**
 * The PostgreSQL mode of the benchmark (`npm run bench -- --postgres`, or
 * `BENCH_STORAGE=postgres npm run bench`): one PostgreSQL server (the test harness's, on a free
 * loopback port in a temp dir) and three Weir nodes on it as child processes. In one run: the
 * raw PostgreSQL insert ceiling, produce through the three nodes, plain reads of the backlog
 * through them, a stream group on one node, share-group workers spread over the nodes, and the
 * takeover time after a SIGKILL of a node. Same output as `run.ts`: JSON lines, then a summary.
 * `BENCH_ONLY=produce` stops after the ceiling and the produce scenario.
 */
import { cpus } from 'node:os';
import { killAllBrokers } from './broker-handle';
import { scenario } from './harness';
import { HttpClient } from './http-client';
import { readThroughput } from './latency-read-scenarios';
import { postgresCeiling } from './pg-ceiling';
import { BenchCluster, groupKnownEverywhere, lagAtOwners } from './pg-cluster';
import { httpProduceBatch } from './produce-scenarios';
import { createGroup } from './share-client';
import { httpShareWorkers } from './share-scenarios';
import { logEnds } from './stream-client';
import { httpStreamConsume } from './stream-scenarios';
import { emit, log, round, sleep, throughput } from './util';

const NODES = 3;
const LEASE_MS = 2_000;
const PARTITIONS = 6;
/** Records produced (and then consumed); BENCH_RECORDS sets fewer for a smoke run. */
const TOTAL_RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = 100;
const CLIENTS = 8;
const READ_BATCH = 5_000;
const WORKERS = 4;
/** Three members, two partitions each (the stream scenario waits for an even assignment). */
const STREAM_MEMBERS = 3;
const TIME_LIMIT_MS = 60_000;
/** Past this the run is cut short: nodes and PostgreSQL killed, a partial summary printed. */
const WATCHDOG_MS = 300_000;

type Figures = Record<string, number | boolean | string | null>;

const startedAt = Date.now();
const figures: Figures = {};
let cluster: BenchCluster | undefined;

const ratio = (value: number | undefined, base: number | undefined): number | null =>
  value !== undefined && base ? round(value / base, 3) : null;

/** Runs the PostgreSQL mode; settles once everything it started has stopped. */
export async function runPostgresBench(): Promise<void> {
  const watchdog = setTimeout(() => {
    log(`watchdog: still running after ${WATCHDOG_MS / 1000} s, cutting the run short`);
    killAllBrokers();
    const stopped = cluster?.postgres.stop() ?? Promise.resolve();
    void Promise.race([stopped, sleep(20_000)]).finally(() => {
      emitSummary(false);
      process.exit(2);
    });
  }, WATCHDOG_MS);
  watchdog.unref();
  // Ctrl-C: PostgreSQL runs detached (pg_ctl), so it is stopped here, not by the signal.
  process.once('SIGINT', () => {
    log('interrupted: stopping the nodes and PostgreSQL');
    killAllBrokers();
    const stopped = cluster?.postgres.stop() ?? Promise.resolve();
    void Promise.race([stopped, sleep(20_000)]).finally(() => process.exit(130));
  });
  try {
    cluster = await BenchCluster.start(NODES, LEASE_MS);
    await scenarios(cluster);
    clearTimeout(watchdog);
    await stopCluster(cluster);
    emitSummary(true);
  } catch (error) {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    clearTimeout(watchdog);
    killAllBrokers();
    if (cluster) await stopCluster(cluster);
    emitSummary(false);
    process.exitCode = 1;
  }
}

async function stopCluster(c: BenchCluster): Promise<void> {
  const rss = await c.peakRss().catch(() => ({}));
  await Promise.race([c.stop(), sleep(40_000)]);
  const perNodeMiB = Object.fromEntries(
    Object.entries(rss).map(([id, kib]) => [id, round(kib / 1024, 1)]),
  );
  const peak = Math.max(0, ...Object.values(perNodeMiB));
  emit({ bench: 'pg_peak_rss', peakRssMiB: peak, perNodeMiB });
  figures.pgPeakRssMiB = peak > 0 ? peak : null;
  for (const [id, mib] of Object.entries(perNodeMiB)) figures[`pgRssMiB_${id}`] = mib;
}

async function scenarios(c: BenchCluster): Promise<void> {
  const f = figures;
  const ports = c.ports;
  f.pgNodes = NODES;
  f.pgLeaseMs = LEASE_MS;

  const ceiling = await scenario('pg_ceiling', async () => {
    const trials = [];
    for (let i = 0; i < 2; i++) {
      trials.push(
        await postgresCeiling(c.postgres.url(), TOTAL_RECORDS, 1_000, PARTITIONS, 20_000),
      );
    }
    const best = trials.reduce((a, b) => (b.recordsPerSec > a.recordsPerSec ? b : a));
    return { ...best, trialsRecordsPerSec: trials.map((t) => t.recordsPerSec) };
  });
  const ceil = ceiling?.recordsPerSec;
  f.pgCeilingRecordsPerSec = ceil ?? null;

  const admin = new HttpClient(ports[0]!, 1);
  try {
    await admin.createTopic('warmup', PARTITIONS);
    await admin.createTopic('b1', PARTITIONS);
  } finally {
    admin.close();
  }
  await c.waitForOwners('warmup', PARTITIONS, 30_000);
  await c.waitForOwners('b1', PARTITIONS, 30_000);
  const warm = { topic: 'warmup', totalRecords: 6_000, batchSize: BATCH, timeLimitMs: 10_000 };
  const warmRun = await httpProduceBatch(ports, warm, NODES);
  if (warmRun.errors > 0) log(`warm-up: ${warmRun.errors} failed requests`);

  const produce = await scenario('pg_http_produce_batch', async () => {
    const plan = { topic: 'b1', totalRecords: TOTAL_RECORDS, batchSize: BATCH };
    const run = await httpProduceBatch(ports, { ...plan, timeLimitMs: TIME_LIMIT_MS }, CLIENTS);
    return {
      ...run,
      nodes: NODES,
      partitions: PARTITIONS,
      clients: CLIENTS,
      batch: BATCH,
      ratioToCeiling: ratio(run.recordsPerSec, ceil),
    };
  });
  f.pgProduceRecordsPerSec = produce?.recordsPerSec ?? null;
  f.pgProduceMBPerSec = produce?.mbPerSec ?? null;
  f.pgProduceRatio = ratio(produce?.recordsPerSec, ceil);
  f.pgProduceErrors = produce?.errors ?? null;
  const produced = produce?.records ?? 0;
  // BENCH_ONLY=produce: the ceiling and produce only (A/B runs of the produce path).
  if (process.env.BENCH_ONLY === 'produce') return;

  const read = await scenario('pg_read_throughput', () => readAll(ports, produced));
  f.pgReadRecordsPerSec = read?.recordsPerSec ?? null;
  f.pgReadVerified = read?.verified ?? null;

  const stream = await scenario('pg_stream_http_3', () => streamOnOneNode(c, produced));
  f.pgStreamHttp3RecordsPerSec = stream?.recordsPerSec ?? null;
  f.pgStreamHttp3Verified = stream?.verified ?? null;

  const share = await scenario('pg_share_http_workers', async () => {
    const group = 'g-pg';
    const client = new HttpClient(ports[0]!, 1);
    await createGroup(client, group, ['b1']).finally(() => client.close());
    await groupKnownEverywhere(ports, group, 30_000);
    const plan = { group, workers: WORKERS, batch: BATCH, expected: produced };
    const run = await httpShareWorkers(ports, { ...plan, timeLimitMs: TIME_LIMIT_MS });
    // A node describes the share state of the partitions it owns; the others' come from
    // their owners. `lagAfter` above is node 1's own view; `lagAfterAtOwners` is the truth.
    const lagAfterAtOwners = await lagAtOwners(c, group, 'b1');
    const verified =
      run.accepted === produced &&
      run.distinct === produced &&
      run.duplicates + run.badValues + run.ackFailures === 0 &&
      lagAfterAtOwners === 0;
    const ratioToProduce = ratio(run.recordsPerSec, produce?.recordsPerSec);
    return {
      ...run,
      nodes: NODES,
      lagAfterNode1: run.lagAfter,
      lagAfterAtOwners,
      verified,
      ratioToProduce,
    };
  });
  f.pgShareWorkersRecordsPerSec = share?.recordsPerSec ?? null;
  f.pgShareWorkersVerified = share?.verified ?? null;

  const takeover = await scenario('pg_takeover', () => c.takeover(30_000));
  f.pgTakeoverMs = takeover?.takeoverMs ?? null;
  f.pgTakeoverLeases = takeover?.takeoverLeases ?? null;
}

/**
 * Plain reads of the whole backlog, every partition at once: partition p read from offset 0 to
 * its log end through node p mod 3 (so most reads are forwarded to the partition's owner), in
 * sequential requests of 5,000 records. Throughput over the slowest partition's time.
 */
async function readAll(ports: readonly number[], produced: number) {
  const start = process.hrtime.bigint();
  const runs = await Promise.all(
    Array.from({ length: PARTITIONS }, (_, p) =>
      readThroughput(ports[p % ports.length]!, 'b1', READ_BATCH, 10_000, TIME_LIMIT_MS, p),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const records = runs.reduce((sum, r) => sum + r.records, 0);
  return {
    ...throughput(records, seconds),
    expected: produced,
    verified: records === produced && runs.every((r) => !r.timedOut),
    partitions: PARTITIONS,
    maxRecords: READ_BATCH,
    perPartition: runs.map((r) => r.records),
  };
}

/**
 * A streaming consumer group of 4 HTTP members, all on node 1 (streaming groups have no
 * cross-node coordinator yet): each member polls node 1, which reads every partition from the
 * database, whichever node owns it. Node 1 learns the log ends of partitions it does not own
 * at its keeper ticks, so the run starts once its `GET /topics/b1` shows the backlog's ends.
 */
async function streamOnOneNode(c: BenchCluster, produced: number) {
  const port = c.ports[0]!;
  const client = new HttpClient(port, 1);
  let ends: number[] = [];
  try {
    const deadline = Date.now() + 4 * LEASE_MS + 10_000;
    for (let i = 0; i < 1_000 && Date.now() <= deadline; i++) {
      ends = await logEnds(client, 'b1');
      if (ends.reduce((sum, e) => sum + e, 0) >= produced) break;
      await sleep(50);
    }
  } finally {
    client.close();
  }
  const total = ends.reduce((sum, e) => sum + e, 0);
  if (total !== produced) throw new Error(`node 1 shows ${total} records of ${produced}`);
  const plan = { topic: 'b1', group: 'g-stream', members: STREAM_MEMBERS, ends, batch: READ_BATCH };
  const run = await httpStreamConsume(port, { ...plan, timeLimitMs: TIME_LIMIT_MS });
  return { ...run, node: c.nodes[0]!.id };
}

const HEADLINE = [
  'pgCeilingRecordsPerSec',
  'pgProduceRecordsPerSec',
  'pgProduceRatio',
  'pgReadRecordsPerSec',
  'pgStreamHttp3RecordsPerSec',
  'pgShareWorkersRecordsPerSec',
  'pgTakeoverMs',
  'pgLeaseMs',
  'pgPeakRssMiB',
];

function emitSummary(complete: boolean): void {
  const cpu = cpus();
  emit({
    bench: 'summary',
    storage: 'postgres',
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version },
    ...Object.fromEntries(HEADLINE.map((name) => [name, figures[name] ?? null])),
    ...figures,
    complete,
    totalSeconds: round((Date.now() - startedAt) / 1000, 1),
  });
}
