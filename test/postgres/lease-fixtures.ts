import { Clock, ScheduledTimer } from '../../src/common/clock';
import { LeaseChange, LeaseKeeper, LeaseKeeperOptions } from '../../src/cluster/lease-keeper';
import { partitionKeyOf } from '../../src/cluster/lease-store';
import { PostgresLeaseStore } from '../../src/persistence/postgres/postgres-lease-store';
import { PostgresNodeRegistry } from '../../src/persistence/postgres/postgres-node-registry';
import {
  PostgresStorageOptions,
  withDefaults,
} from '../../src/persistence/postgres/postgres-options';
import { PrimaryPool } from '../../src/persistence/postgres/primary-pool';
import { TransactionRunner } from '../../src/persistence/postgres/transaction-runner';

/**
 * The system clock, whose timers can be held: `pause()` is a SIGSTOP of the keeper's timers
 * (nothing it scheduled runs), `resume()` a SIGCONT (what fell due runs at once).
 */
export class PausableClock extends Clock {
  private paused = false;
  private held: (() => void)[] = [];

  override now(): number {
    return Date.now();
  }

  override schedule(delayMs: number, callback: () => void): ScheduledTimer {
    let cancelled = false;
    const run = () => {
      if (cancelled) return;
      if (this.paused) this.held.push(run);
      else callback();
    };
    const handle = setTimeout(run, Math.max(0, delayMs));
    handle.unref();
    return {
      cancel: () => {
        cancelled = true;
        clearTimeout(handle);
      },
    };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const due = this.held;
    this.held = [];
    for (const run of due) run();
  }
}

/** A node's connection to the database, with timeouts below the test lease by default. */
export function openRunner(
  url: string,
  overrides: Partial<PostgresStorageOptions> = {},
): TransactionRunner {
  const options = withDefaults({
    urls: [url],
    poolSize: 3,
    lockTimeoutMs: 200,
    statementTimeoutMs: 2_000,
    idleInTransactionTimeoutMs: 300,
    connectTimeoutMs: 1_000,
    failoverTimeoutMs: 1_000,
    maxRetries: 1,
    ...overrides,
  });
  return new TransactionRunner(new PrimaryPool(options), options.maxRetries);
}

/** One belief of a node that it owns a partition at an epoch, in local (= database host) ms. */
export interface Belief {
  nodeId: string;
  key: string;
  epoch: number;
  fromMs: number;
  /** When it stopped serving: the loss, or its local expiry if that came first. */
  untilMs: number | null;
  reason: string | null;
}

/**
 * Keepers of one test, on one database, and the history of what each believed it owned.
 * `waitFor` re-checks its condition at every lease change, until a deadline.
 */
export class LeaseCluster {
  readonly keepers = new Map<string, LeaseKeeper>();
  readonly beliefs: Belief[] = [];
  readonly errors: unknown[] = [];
  /** `nodeId key@epoch` of every lease drained before a hand-over, in order. */
  readonly drained: string[] = [];
  /** `nodeId key@epoch` of every lease handed over, in order. */
  readonly handedOver: string[] = [];
  private readonly runners: TransactionRunner[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly url: string,
    readonly leaseMs: number,
  ) {}

  /** Starts a keeper for `nodeId` (again, after a crash, with the same id). */
  async start(
    nodeId: string,
    clock: Clock = new PausableClock(),
    options: Partial<LeaseKeeperOptions> = {},
  ): Promise<LeaseKeeper> {
    const runner = openRunner(this.url);
    this.runners.push(runner);
    const keeper = new LeaseKeeper(
      new PostgresNodeRegistry(runner),
      new PostgresLeaseStore(runner),
      clock,
      {
        nodeId,
        url: `http://127.0.0.1/${nodeId}`,
        leaseMs: this.leaseMs,
        onError: (error) => this.errors.push(error),
        drain: (lease) => {
          this.drained.push(`${nodeId} ${partitionKeyOf(lease)}@${lease.epoch}`);
          return Promise.resolve();
        },
        ...options,
      },
    );
    keeper.onChange((change) => this.record(nodeId, change));
    this.keepers.set(nodeId, keeper);
    await keeper.start();
    return keeper;
  }

  /** Partition keys each running keeper serves now. */
  ownership(): Map<string, string[]> {
    return new Map([...this.keepers].map(([id, k]) => [id, k.leases().map(partitionKeyOf)]));
  }

  /** Resolves when `condition` holds, re-checked at every lease change; rejects at the deadline. */
  waitFor(condition: () => boolean, timeoutMs: number, label: string): Promise<number> {
    const startedMs = Date.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        settle();
        resolve(Date.now() - startedMs);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`${label} not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** True when the running keepers serve `counts` partitions (in any order), none twice. */
  spreadIs(counts: number[], keepers: string[] = [...this.keepers.keys()]): boolean {
    const owned = keepers.map((id) => this.keepers.get(id)!.leases().map(partitionKeyOf));
    const all = owned.flat();
    const sizes = owned.map((keys) => keys.length).sort((a, b) => a - b);
    const wanted = [...counts].sort((a, b) => a - b);
    return new Set(all).size === all.length && sizes.join() === wanted.join();
  }

  /** Closes every keeper (without releasing: like a crash) and their connections. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.keepers.values()].map((k) => k.close({ release: false })));
    await Promise.allSettled(this.runners.map((runner) => runner.close()));
  }

  /** Fails when two beliefs about one partition overlap in time or epochs go backwards. */
  expectNoOverlap(): void {
    const byKey = new Map<string, Belief[]>();
    for (const belief of this.beliefs) {
      byKey.set(belief.key, [...(byKey.get(belief.key) ?? []), belief]);
    }
    for (const [key, beliefs] of byKey) {
      const sorted = [...beliefs].sort((a, b) => a.fromMs - b.fromMs);
      for (let i = 1; i < sorted.length; i++) {
        const before = sorted[i - 1]!;
        const after = sorted[i]!;
        if (before.untilMs === null || before.untilMs > after.fromMs) {
          throw new Error(`${key}: ${JSON.stringify(before)} overlaps ${JSON.stringify(after)}`);
        }
        if (after.epoch <= before.epoch) {
          throw new Error(`${key}: epoch ${after.epoch} after ${before.epoch}`);
        }
      }
    }
  }

  private record(nodeId: string, change: LeaseChange): void {
    const key = partitionKeyOf(change.lease);
    const nowMs = Date.now();
    if (change.kind === 'gained') {
      this.beliefs.push({
        nodeId,
        key,
        epoch: change.lease.epoch,
        fromMs: nowMs,
        untilMs: null,
        reason: null,
      });
    } else {
      const belief = this.beliefs.find(
        (b) =>
          b.nodeId === nodeId &&
          b.key === key &&
          b.epoch === change.lease.epoch &&
          b.untilMs === null,
      );
      if (change.reason === 'handed-over') {
        this.handedOver.push(`${nodeId} ${key}@${change.lease.epoch}`);
      }
      if (belief) {
        // fence() refuses past the local expiry even when the lapse timer runs late.
        belief.untilMs = Math.min(nowMs, change.lease.localExpiresAtMs);
        belief.reason = change.reason;
      }
    }
    for (const check of [...this.waiters]) check();
  }
}
