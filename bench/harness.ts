import { BrokerHandle } from './broker-handle';
import { HttpClient } from './http-client';
import { httpProduceBatch } from './produce-scenarios';
import { startResourceMeter } from './resources';
import { emit, log, round } from './util';

const WARMUP_RECORDS = 5_000;

/** Runs `work` and emits its result as `{ bench: name, ... }`; on failure emits the error. */
export async function scenario<T extends object>(
  name: string,
  work: () => T | Promise<T>,
  broker?: BrokerHandle,
): Promise<T | undefined> {
  log(`${name}: running`);
  try {
    const stopMeter = await startResourceMeter(broker);
    const result = await work();
    emit({ bench: name, ...result, ...(await stopMeter()) });
    return result;
  } catch (error) {
    log(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    emit({ bench: name, error: String(error) });
    return undefined;
  }
}

/** Starts a broker, runs `body` against it, stops it; answers its peak RSS in KiB (0 if none). */
export async function withBroker(label: string, body: (broker: BrokerHandle) => Promise<void>) {
  let broker: BrokerHandle;
  try {
    broker = await BrokerHandle.start(label);
  } catch (error) {
    log(`broker '${label}' did not start: ${String(error)}`);
    return 0;
  }
  try {
    await body(broker);
  } catch (error) {
    log(`broker '${label}' scenarios failed: ${String(error)}`);
  } finally {
    await broker.stop();
  }
  const kib = (await broker.usage()).peakRssKiB;
  log(`broker '${label}' peak RSS ${round(kib / 1024, 1)} MiB`);
  return kib;
}

/** A short produce burst on topic 'warmup', so that the measured run meets warm code. */
export async function warmUp(broker: BrokerHandle): Promise<void> {
  await createTopic(broker, 'warmup');
  const warmup = {
    topic: 'warmup',
    totalRecords: WARMUP_RECORDS,
    batchSize: 100,
    timeLimitMs: 5_000,
  };
  const run = await httpProduceBatch(broker.port, warmup, 2);
  if (run.errors > 0) log(`warm-up on broker '${broker.label}': ${run.errors} failed requests`);
}

export async function createTopic(broker: BrokerHandle, name: string): Promise<void> {
  const client = new HttpClient(broker.port);
  try {
    await client.createTopic(name, 1);
  } finally {
    client.close();
  }
}
