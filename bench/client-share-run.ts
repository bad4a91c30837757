/**
 * `@weir/client`'s ShareConsumer beside the broker's own WebSocket work-queue figure, in one
 * run on one broker (a child process): the same 4-partition backlog of 256-byte records is
 * drained by the benchmark's raw WebSocket workers (4 sockets, credit 100, one ack frame per
 * pushed batch), then by one ShareConsumer with a no-op handler at concurrency 8 and at 64,
 * each in its own share group. Prints one JSON line per scenario and a `summary` line.
 * Run: `npm run build && tsc -p bench/tsconfig.json && node dist-bench/bench/client-share-run.js`
 * (`PREFETCH=n` and `ACK_LINGER=ms` override the ShareConsumer's defaults, to compare them).
 */
import { ShareConsumer } from '@weir/client';
import { killAllBrokers } from './broker-handle';
import { scenario, warmUp, withBroker } from './harness';
import { HttpClient } from './http-client';
import { createGroup, groupLag } from './share-client';
import { fillBacklog, wsShareWorkers } from './share-scenarios';
import { emit, log, round, throughput } from './util';

const BACKLOG_RECORDS = 200_000;
const PARTITIONS = 4;
const TIME_LIMIT_MS = 60_000;

/** Drains the backlog with one ShareConsumer; records/s from subscribe to the last accept. */
async function shareConsumerRun(port: number, group: string, concurrency: number) {
  const admin = new HttpClient(port, 1);
  await createGroup(admin, group, ['q']).finally(() => admin.close());
  const linger = process.env.ACK_LINGER ? { ackLingerMs: Number(process.env.ACK_LINGER) } : {};
  const consumer = new ShareConsumer({ url: `http://127.0.0.1:${port}`, ...linger });
  const start = process.hrtime.bigint();
  const prefetch = process.env.PREFETCH ? { prefetch: Number(process.env.PREFETCH) } : {};
  await consumer.run({ group, topics: ['q'], concurrency, ...prefetch, handler: () => undefined });
  const deadline = Date.now() + TIME_LIMIT_MS;
  while (consumer.stats.accepted < BACKLOG_RECORDS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await consumer.stop();
  const client = new HttpClient(port, 1);
  const lagAfter = await groupLag(client, group).finally(() => client.close());
  const { stats } = consumer;
  return {
    concurrency,
    ...throughput(stats.accepted, seconds),
    accepted: stats.accepted,
    received: stats.received,
    lagAfter,
    verified: stats.accepted === BACKLOG_RECORDS && lagAfter === 0,
  };
}

async function main(): Promise<void> {
  const summary: Record<string, number | boolean | null> = {};
  await withBroker('client-share', async (broker) => {
    await warmUp(broker);
    const fill = await fillBacklog(broker.port, 'q', 'g-ws', PARTITIONS, BACKLOG_RECORDS, 60_000);
    const ws = await scenario('share_ws_workers', () =>
      wsShareWorkers(broker.port, {
        group: 'g-ws',
        workers: 4,
        batch: 100,
        expected: fill.records,
        timeLimitMs: TIME_LIMIT_MS,
      }),
    );
    summary.shareWsWorkersRecordsPerSec = ws?.recordsPerSec ?? null;
    for (const concurrency of [8, 64]) {
      const run = await scenario(`share_consumer_c${concurrency}`, () =>
        shareConsumerRun(broker.port, `g-client-${concurrency}`, concurrency),
      );
      summary[`shareConsumerC${concurrency}RecordsPerSec`] = run?.recordsPerSec ?? null;
      summary[`shareConsumerC${concurrency}RatioToWsWorkers`] =
        run && ws ? round(run.recordsPerSec / ws.recordsPerSec, 3) : null;
      summary[`shareConsumerC${concurrency}Verified`] = run?.verified ?? null;
    }
  });
  emit({ bench: 'summary', ...summary });
}

main().catch((error: unknown) => {
  log(`client-share-run failed: ${String(error)}`);
  killAllBrokers();
  process.exitCode = 1;
});
