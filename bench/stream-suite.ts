/**
 * The streaming consumer-group part of the benchmark (issue 4): a backlog of 200,000 records
 * on a topic of four partitions, consumed from the earliest offset by one member and by four
 * members of one group, over HTTP polls and over WebSocket pushes. One broker per transport;
 * each run has its own group on the same backlog. Run by `run.ts` after the produce, read and
 * latency scenarios (the ratios refer to the `read_throughput` figure), before the share groups.
 */
import type { BrokerHandle } from './broker-handle';
import { scenario, warmUp, withBroker } from './harness';
import { HttpClient } from './http-client';
import { fillPartitions, logEnds } from './stream-client';
import { httpStreamConsume, StreamPlan, wsStreamConsume } from './stream-scenarios';
import { log, round } from './util';

const BACKLOG_RECORDS = 200_000;
const PARTITIONS = 4;
const FILL_BATCH = 1_000;
const FILL_CLIENTS = 4;
/** maxRecords of a poll, credit of a subscription: as `read_throughput` reads 5,000 at once. */
const BATCH = 5_000;
const MEMBERS = [1, 4] as const;

/** Time the stream scenarios may take at most: `run.ts` keeps it free before what follows. */
export const STREAM_RESERVE_MS = 60_000;

export interface StreamContext {
  /** Summary figures: read for `readRecordsPerSec`, written with the stream figures. */
  figures: Record<string, number | boolean | null>;
  /** Peak RSS (KiB) of each broker child, by name. */
  rssKiB: Record<string, number>;
  /** A time limit of `preferredMs` that leaves `reserveMs` for what follows (see run.ts). */
  budget: (preferredMs: number, reserveMs: number) => number;
  /** Time the scenarios after these need (kept free within every budget here). */
  laterMs: number;
}

type Transport = 'http' | 'ws';

const ratio = (value: number | undefined, base: number): number | null =>
  value !== undefined && base ? round(value / base, 3) : null;

const consume = (transport: Transport, port: number, plan: StreamPlan) =>
  transport === 'http' ? httpStreamConsume(port, plan) : wsStreamConsume(port, plan);

/** One short run of the transport's consume path on the 5,000 records of topic 'warmup'. */
async function warmConsume(transport: Transport, broker: BrokerHandle): Promise<void> {
  const client = new HttpClient(broker.port, 1);
  try {
    const ends = await logEnds(client, 'warmup');
    const plan = { topic: 'warmup', group: `warm-${transport}`, members: 1, ends };
    const run = await consume(transport, broker.port, {
      ...plan,
      batch: 1_000,
      timeLimitMs: 5_000,
    });
    if (run.distinct !== run.expected) log(`stream warm-up on '${broker.label}': incomplete`);
  } finally {
    client.close();
  }
}

export async function runStreamScenarios(ctx: StreamContext): Promise<void> {
  const f = ctx.figures;
  const read = Number(f.readRecordsPerSec ?? 0);
  for (const [t, transport] of (['http', 'ws'] as const).entries()) {
    const Name = transport === 'http' ? 'Http' : 'Ws';
    // Of STREAM_RESERVE_MS, each transport has half: a fill and two consume runs.
    const reserveAfter = (step: number): number =>
      ctx.laterMs + ((1 - t) * 3 + (2 - step)) * 10_000;
    ctx.rssKiB[`stream${Name}`] = await withBroker(`stream-${transport}`, async (broker) => {
      await warmUp(broker);
      const fill = await fillPartitions(
        broker.port,
        's',
        PARTITIONS,
        BACKLOG_RECORDS,
        FILL_BATCH,
        FILL_CLIENTS,
        ctx.budget(10_000, reserveAfter(0)),
      ).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      await warmConsume(transport, broker).catch((error: unknown) =>
        log(`stream warm-up on '${broker.label}' failed: ${String(error)}`),
      );
      for (const [step, members] of MEMBERS.entries()) {
        const key = `stream${Name}${members}`;
        const run = await scenario(
          `stream_${transport}_${members}`,
          async () => {
            if (fill instanceof Error) throw fill;
            const plan: StreamPlan = {
              topic: 's',
              group: `g-${transport}-${members}`,
              members,
              ends: fill.ends,
              batch: BATCH,
              timeLimitMs: ctx.budget(10_000, reserveAfter(step + 1)),
            };
            const r = await consume(transport, broker.port, plan);
            const peakRssMiB = round((await broker.usage()).peakRssKiB / 1024, 1);
            return {
              transport,
              ...r,
              ratioToRead: ratio(r.recordsPerSec, read),
              backlogRecords: fill.records,
              backlogBatch: FILL_BATCH,
              backlogClients: FILL_CLIENTS,
              backlogFillRecordsPerSec: fill.recordsPerSec,
              backlogFillErrors: fill.errors,
              brokerPeakRssMiB: peakRssMiB,
            };
          },
          broker,
        );
        f[`${key}RecordsPerSec`] = run?.recordsPerSec ?? null;
        f[`${key}RatioToRead`] = ratio(run?.recordsPerSec, read);
        f[`${key}Verified`] = run?.verified ?? null;
      }
    });
  }
}
