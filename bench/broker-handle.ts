import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, makeTempDir, removeDir } from './util';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const RSS_TIMEOUT_MS = 5_000;

interface ChildMessage {
  type: 'ready' | 'rss' | 'stopped';
  port?: number;
  maxRssKiB?: number;
  cpuMicros?: number;
}

/** What a broker child has used so far. */
export interface BrokerUsage {
  /** Peak resident set in KiB. */
  peakRssKiB: number;
  /** User + system CPU time in microseconds; 0 when the child did not answer. */
  cpuMicros: number;
}

/** Every broker child started, so that a watchdog can kill what is left. */
const live = new Set<ChildProcess>();

export function killAllBrokers(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Peak resident set (VmHWM) of `pid` in KiB from /proc, or 0 when unreadable. */
function procPeakRssKiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** A broker running in a child process on a fresh temporary data directory. */
export class BrokerHandle {
  private peakKiB = 0;
  private exited = false;

  private constructor(
    readonly label: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /**
   * Forks the compiled `broker-process.js` beside this file and waits until it listens;
   * `nodeEnv` are more WEIR_* settings for it (see broker-process.ts).
   */
  static async start(label: string, nodeEnv?: Record<string, string>): Promise<BrokerHandle> {
    const dataDir = makeTempDir(label);
    const env: NodeJS.ProcessEnv = { ...process.env, WEIR_BENCH_DATA_DIR: dataDir };
    if (nodeEnv) env.WEIR_BENCH_NODE_ENV = JSON.stringify(nodeEnv);
    // The child's stdout (pino logs) goes to our stderr: stdout is for results only.
    const child = fork(join(__dirname, 'broker-process.js'), [], {
      env,
      stdio: ['ignore', 2, 2, 'ipc'],
      // e.g. BENCH_BROKER_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the brokers
      execArgv: [
        ...process.execArgv,
        ...(process.env.BENCH_BROKER_ARGS ?? '').split(' ').filter(Boolean),
      ],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    try {
      const ready = await waitForMessage(child, 'ready', START_TIMEOUT_MS);
      if (typeof ready.port !== 'number') throw new Error('broker child sent no port');
      log(`broker '${label}' pid ${child.pid} on 127.0.0.1:${ready.port}, data ${dataDir}`);
      return new BrokerHandle(label, ready.port, child, dataDir);
    } catch (error) {
      child.kill('SIGKILL');
      removeDir(dataDir);
      throw error;
    }
  }

  /** The child's pid while it runs (for a SIGKILL by pid), else undefined. */
  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  /** SIGKILL (a lost machine); resolves once the child has exited (bounded). */
  async kill(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([exit, late]);
    clearTimeout(timer);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Peak RSS of the child so far (its own getrusage, or /proc VmHWM) and its CPU time. */
  async usage(): Promise<BrokerUsage> {
    let cpuMicros = 0;
    if (!this.exited) {
      const fromProc = procPeakRssKiB(this.child.pid);
      let fromChild = 0;
      try {
        this.child.send({ type: 'rss' });
        const answer = await waitForMessage(this.child, 'rss', RSS_TIMEOUT_MS);
        fromChild = answer.maxRssKiB ?? 0;
        cpuMicros = answer.cpuMicros ?? 0;
      } catch (error) {
        log(`usage query to broker '${this.label}' failed: ${String(error)}`);
      }
      this.peakKiB = Math.max(this.peakKiB, fromProc, fromChild);
    }
    return { peakRssKiB: this.peakKiB, cpuMicros };
  }

  /** Stops the child (SIGKILL if it does not exit in time), removes its data directory. */
  async stop(): Promise<void> {
    try {
      if (!this.exited) {
        await this.usage();
        const exit = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
        const stopped = waitForMessage(this.child, 'stopped', STOP_TIMEOUT_MS).then(
          (m) => (this.peakKiB = Math.max(this.peakKiB, m.maxRssKiB ?? 0)),
          (error: unknown) => log(`broker '${this.label}' did not stop cleanly: ${String(error)}`),
        );
        this.child.send({ type: 'stop' });
        await stopped;
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      }
    } finally {
      removeDir(this.dataDir);
    }
  }
}

function waitForMessage(
  child: ChildProcess,
  type: ChildMessage['type'],
  timeoutMs: number,
): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`broker child exited (code ${code}, signal ${signal}) awaiting '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`broker child sent no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
