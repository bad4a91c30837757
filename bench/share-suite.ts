/**
 * The share-group (queue) part of the benchmark: worker throughput over HTTP and WebSocket on a
 * backlog, and end-to-end delivery latency to waiting workers. Run by `run.ts` after the
 * produce and read scenarios, whose figures the throughput ratios refer to.
 */
import { createTopic, scenario, warmUp, withBroker } from './harness';
import { E2ePlan, shareE2eLatency } from './share-latency-scenarios';
import { backlogFigures, fillBacklog, httpShareWorkers, wsShareWorkers } from './share-scenarios';
import type { WorkerPlan } from './share-scenarios';
import { HttpClient } from './http-client';
import { createGroup } from './share-client';
import { round } from './util';

const BACKLOG_RECORDS = 200_000;
const PARTITIONS = 4;
const WORKERS = 4;
const BATCH = 100;

/** Time the share scenarios may take at most: `run.ts` keeps it free before its deadline. */
export const SHARE_RESERVE_MS = 120_000;

export interface ShareContext {
  /** Summary figures: read for the produce throughputs, written with the share figures. */
  figures: Record<string, number | boolean | null>;
  /** Peak RSS (KiB) of each broker child, by name. */
  rssKiB: Record<string, number>;
  /** A time limit of `preferredMs` that leaves `reserveMs` for what follows (see run.ts). */
  budget: (preferredMs: number, reserveMs: number) => number;
  /** 'latency': only the end-to-end latency scenarios (BENCH_ONLY=latency). */
  only?: 'latency';
}

const ratio = (value: number | undefined, base: number): number | null =>
  value !== undefined && base ? round(value / base, 3) : null;

export async function runShareScenarios(ctx: ShareContext): Promise<void> {
  const f = ctx.figures;
  const httpProduce = Number(f.httpProduceRecordsPerSec ?? 0);
  const wsProduce = Number(f.wsProduceRecordsPerSec ?? 0);

  for (const transport of ctx.only === 'latency' ? [] : (['http', 'ws'] as const)) {
    // Time kept for what follows the backlog fill and the workers run, within SHARE_RESERVE_MS.
    const [fillReserve, workReserve] = transport === 'http' ? [100_000, 75_000] : [65_000, 40_000];
    ctx.rssKiB[`share${transport === 'http' ? 'Http' : 'Ws'}Workers`] = await withBroker(
      `share-${transport}`,
      async (broker) => {
        await warmUp(broker);
        const group = `g-${transport}`;
        const fill = await fillBacklog(
          broker.port,
          'q',
          group,
          PARTITIONS,
          BACKLOG_RECORDS,
          ctx.budget(20_000, fillReserve),
        ).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
        const name = `share_${transport}_workers`;
        const run = await scenario(
          name,
          async () => {
            if (fill instanceof Error) throw fill;
            const plan: WorkerPlan = {
              group,
              workers: WORKERS,
              batch: BATCH,
              expected: fill.records,
              timeLimitMs: ctx.budget(60_000, workReserve),
            };
            const backlog = { partitions: PARTITIONS, ...backlogFigures(fill) };
            if (transport === 'http') {
              const r = await httpShareWorkers(broker.port, plan);
              return { ...r, ...backlog, ratioToProduce: ratio(r.recordsPerSec, httpProduce) };
            }
            const r = await wsShareWorkers(broker.port, plan);
            const ratioToWsProduce = ratio(r.recordsPerSec, wsProduce);
            const ratioToHttpProduce = ratio(r.recordsPerSec, httpProduce);
            return { ...r, ...backlog, ratioToWsProduce, ratioToHttpProduce };
          },
          broker,
        );
        if (transport === 'http') {
          f.shareHttpWorkersRecordsPerSec = run?.recordsPerSec ?? null;
          f.shareHttpRatioToProduce = ratio(run?.recordsPerSec, httpProduce);
          f.shareHttpWorkersVerified = run?.verified ?? null;
        } else {
          f.shareWsWorkersRecordsPerSec = run?.recordsPerSec ?? null;
          f.shareWsRatioToWsProduce = ratio(run?.recordsPerSec, wsProduce);
          f.shareWsRatioToHttpProduce = ratio(run?.recordsPerSec, httpProduce);
          f.shareWsWorkersVerified = run?.verified ?? null;
        }
      },
    );
  }

  for (const transport of ['http', 'ws'] as const) {
    const key = transport === 'http' ? 'shareE2e' : 'shareE2eWs';
    ctx.rssKiB[key] = await withBroker(`share-e2e-${transport}`, async (broker) => {
      await warmUp(broker);
      const plan: E2ePlan = {
        transport,
        topic: 'e2e',
        group: 'g-e2e',
        workers: WORKERS,
        batch: BATCH,
        waitMs: 5_000,
        ratePerSec: 2_000,
        intervalMs: 5,
        warmUpMs: 1_000,
        durationMs: 8_000,
        maxOutstanding: 200,
        sockets: 16,
        drainMs: ctx.budget(10_000, transport === 'http' ? 20_000 : 0),
      };
      const name = transport === 'http' ? 'share_e2e_latency' : 'share_e2e_latency_ws';
      const run = await scenario(
        name,
        async () => {
          await createTopic(broker, plan.topic);
          const admin = new HttpClient(broker.port, 1);
          await createGroup(admin, plan.group, [plan.topic]).finally(() => admin.close());
          return shareE2eLatency(broker.port, plan);
        },
        broker,
      );
      f[`${key}P50Ms`] = run?.p50Ms ?? null;
      f[`${key}P99Ms`] = run?.p99Ms ?? null;
      f[`${key}MaxMs`] = run?.maxMs ?? null;
      f[`${key}AchievedRatePerSec`] = run?.achievedRatePerSec ?? null;
      f[`${key}Delivered`] = run?.delivered ?? null;
    });
  }
}
