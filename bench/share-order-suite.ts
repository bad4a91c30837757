/**
 * Share groups with and without per-key ordering, in the same run on the same backlog: a topic
 * of keyed records over `KEYS` keys, consumed once by a group with `ordering: "none"` and once
 * by one with `ordering: "key"`, by the same HTTP workers as the work-queue scenario. Reports
 * both throughputs and their ratio (the target: key ≥ 0.8 × none).
 */
import type { BrokerHandle } from './broker-handle';
import { scenario, warmUp, withBroker } from './harness';
import { HttpClient, offsetCount } from './http-client';
import { httpShareWorkers } from './share-scenarios';
import type { ShareContext } from './share-suite';
import { log, RECORD_VALUE, round, secondsSince, throughput } from './util';

const RECORDS = 100_000;
const KEYS = 1_000;
const PARTITIONS = 4;
const WORKERS = 4;
const BATCH = 100;
const PRODUCE_BATCH = 1_000;
const PRODUCE_CLIENTS = 4;
const TOPIC = 'keyed';

/** Time the ordering scenarios may take at most: `run.ts` keeps it free before its deadline. */
export const ORDER_RESERVE_MS = 60_000;

type Ordering = 'none' | 'key';

/** `total` records with keys `k0` … `k{KEYS-1}` in turn, each with the bench's 256-byte value. */
async function fillKeyedBacklog(port: number, total: number, timeLimitMs: number) {
  const client = new HttpClient(port, PRODUCE_CLIENTS);
  const path = `/topics/${TOPIC}/records`;
  let claimed = 0;
  let produced = 0;
  let errors = 0;
  const start = process.hrtime.bigint();
  const producer = async (): Promise<void> => {
    while (claimed < total && errors < 10 && secondsSince(start) * 1000 < timeLimitMs) {
      const first = claimed;
      const count = Math.min(PRODUCE_BATCH, total - claimed);
      claimed += count;
      const records = Array.from({ length: count }, (_x, i) => ({
        key: `k${(first + i) % KEYS}`,
        value: RECORD_VALUE,
      }));
      try {
        const answer = await client.request('POST', path, JSON.stringify({ records }));
        if (answer.status === 200 && offsetCount(answer.body) === count) produced += count;
        else errors++;
      } catch (error) {
        errors++;
        log(`keyed produce failed: ${String(error)}`);
      }
    }
  };
  try {
    await client.createTopic(TOPIC, PARTITIONS);
    await Promise.all(Array.from({ length: PRODUCE_CLIENTS }, () => producer()));
  } finally {
    client.close();
  }
  return { ...throughput(produced, secondsSince(start)), records: produced, errors };
}

async function createOrderedGroup(broker: BrokerHandle, group: string, ordering: Ordering) {
  const client = new HttpClient(broker.port, 1);
  try {
    const body = JSON.stringify({ topics: [TOPIC], ordering });
    await client.expect(200, 'PUT', `/queues/groups/${group}`, body);
  } finally {
    client.close();
  }
}

export async function runShareOrderScenarios(ctx: ShareContext): Promise<void> {
  const f = ctx.figures;
  ctx.rssKiB.shareOrdering = await withBroker('share-ordering', async (broker) => {
    await warmUp(broker);
    const fill = await fillKeyedBacklog(broker.port, RECORDS, ctx.budget(15_000, 45_000));
    if (fill.records < RECORDS) log(`keyed backlog: only ${fill.records} of ${RECORDS}`);
    for (const ordering of ['none', 'key'] as const) {
      const group = `g-order-${ordering}`;
      const run = await scenario(
        `share_http_workers_ordering_${ordering}`,
        async () => {
          await createOrderedGroup(broker, group, ordering);
          const plan = {
            group,
            workers: WORKERS,
            batch: BATCH,
            expected: fill.records,
            timeLimitMs: ctx.budget(20_000, ordering === 'none' ? 22_000 : 0),
          };
          const r = await httpShareWorkers(broker.port, plan);
          return { ...r, ordering, keys: KEYS, partitions: PARTITIONS, backlog: fill };
        },
        broker,
      );
      const name = ordering === 'none' ? 'shareOrderingNone' : 'shareOrderingKey';
      f[`${name}RecordsPerSec`] = run?.recordsPerSec ?? null;
      f[`${name}Verified`] = run?.verified ?? null;
    }
    const none = Number(f.shareOrderingNoneRecordsPerSec ?? 0);
    const key = Number(f.shareOrderingKeyRecordsPerSec ?? 0);
    f.shareOrderingKeyRatioToNone = none && key ? round(key / none, 3) : null;
  });
}
