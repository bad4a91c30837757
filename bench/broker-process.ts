/**
 * A broker in its own process, for the benchmark: forked by `broker-handle.ts` with the data
 * directory in WEIR_BENCH_DATA_DIR. It listens on 127.0.0.1 on a free port and talks to the
 * parent over IPC:
 *   child → parent  { type: 'ready', port }            once listening
 *   parent → child  { type: 'rss' }                    → { type: 'rss', maxRssKiB, cpuMicros }
 *   parent → child  { type: 'stop' }                   → { type: 'stopped', maxRssKiB }, exit 0
 * It also shuts down when the parent goes away (IPC channel closed). With BENCH_LOOP_DELAY set
 * it prints its event-loop delay percentiles (perf_hooks, 1 ms resolution) to stderr on stop.
 * WEIR_BENCH_NODE_ENV, when set, is a JSON object of more WEIR_* settings (a PostgreSQL cluster
 * node: storage, node id, advertised URL, lease, and the port it listens on).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createBrokerApp } from '../src/broker-app';
import { SystemClock } from '../src/common/clock';
import { loadBrokerConfig } from '../src/config/broker-config';

type ParentMessage = { type: 'rss' } | { type: 'stop' };

function send(message: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(message);
}

const maxRssKiB = (): number => process.resourceUsage().maxRSS;
const cpuMicros = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

async function main(): Promise<void> {
  const dataDir = process.env.WEIR_BENCH_DATA_DIR;
  if (!dataDir) throw new Error('WEIR_BENCH_DATA_DIR is not set');
  const nodeEnv = JSON.parse(process.env.WEIR_BENCH_NODE_ENV ?? '{}') as Record<string, string>;
  const config = loadBrokerConfig({
    WEIR_HTTP_PORT: '0',
    WEIR_HTTP_HOST: '127.0.0.1',
    WEIR_LOG_LEVEL: 'warn',
    WEIR_DATA_DIR: dataDir,
    WEIR_STORAGE_SYNC: 'normal',
    ...nodeEnv,
  });
  const loopDelay = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 1 }) : null;
  loopDelay?.enable();
  const app = await createBrokerApp(config, new SystemClock());
  await app.listen(config.httpPort, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const hardExit = setTimeout(() => process.exit(3), 10_000);
    hardExit.unref();
    if (loopDelay) {
      const ms = (p: number) => (loopDelay.percentile(p) / 1e6).toFixed(2);
      process.stderr.write(
        `event-loop delay ms: p50 ${ms(50)} p99 ${ms(99)} p99.9 ${ms(99.9)} max ${ms(100)}\n`,
      );
    }
    try {
      await app.close();
    } finally {
      send({ type: 'stopped', maxRssKiB: maxRssKiB() });
      process.disconnect?.();
      process.exitCode = 0;
    }
  };

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'rss') {
      send({ type: 'rss', maxRssKiB: maxRssKiB(), cpuMicros: cpuMicros() });
    } else if (message.type === 'stop') void stop().catch(onFatal);
  });
  process.on('disconnect', () => void stop().catch(onFatal));
  send({ type: 'ready', port });
}

function onFatal(error: unknown): void {
  process.stderr.write(
    `bench broker failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}

main().catch(onFatal);
