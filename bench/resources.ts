import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BrokerHandle } from './broker-handle';
import { round } from './util';

/** The histogram's samples include the timer period itself; it is subtracted below. */
const LOOP_RESOLUTION_MS = 5;
const loopDelayMs = (ns: number): number => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS), 1);

/** CPU of broker and load generator, and the generator's event-loop delay, over one scenario. */
export interface ResourceFigures {
  /** Broker child CPU (user + system) as % of one core; null without a broker. */
  brokerCpuPct: number | null;
  /** This process's CPU as % of one core. */
  clientCpuPct: number;
  /** Event-loop delay of this process: if high, the load generator itself was a bottleneck. */
  clientLoopDelayP99Ms: number;
  clientLoopDelayMaxMs: number;
}

/** Starts measuring; the returned function stops and answers the figures. */
export async function startResourceMeter(
  broker?: BrokerHandle,
): Promise<() => Promise<ResourceFigures>> {
  const brokerBefore = broker ? (await broker.usage()).cpuMicros : 0;
  const clientBefore = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const start = process.hrtime.bigint();
  return async () => {
    const wallMicros = Number(process.hrtime.bigint() - start) / 1e3;
    const client = process.cpuUsage(clientBefore);
    loop.disable();
    const brokerAfter = broker ? (await broker.usage()).cpuMicros : 0;
    const pct = (micros: number): number => round((100 * micros) / Math.max(wallMicros, 1), 1);
    return {
      brokerCpuPct: broker && brokerAfter > 0 ? pct(brokerAfter - brokerBefore) : null,
      clientCpuPct: pct(client.user + client.system),
      clientLoopDelayP99Ms: loopDelayMs(loop.percentile(99)),
      clientLoopDelayMaxMs: loopDelayMs(loop.max),
    };
  };
}
