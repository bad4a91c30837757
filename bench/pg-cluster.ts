import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../test/support/postgres-process';
import { PostgresServer, WEIR_ROLE } from '../test/support/postgres-server';
import { BrokerHandle } from './broker-handle';
import { HttpClient } from './http-client';
import { log, round, sleep } from './util';

/** `GET /cluster` as a node answers it (API.md "Cluster"). */
export interface ClusterView {
  nodes: Array<{ nodeId: string; alive: boolean }>;
  partitions: Array<{ topic: string; partition: number; owner: string; epoch: number }>;
}

/** One Weir node of the bench cluster. */
export interface BenchNode {
  id: string;
  port: number;
  broker: BrokerHandle;
}

/** Settings for the bench's PostgreSQL beyond the test harness's (which has 64 MB buffers). */
const BENCH_SETTINGS = ['shared_buffers = 256MB', 'max_wal_size = 2GB', ''].join('\n');

/**
 * A PostgreSQL server (the test harness's: initdb as the `postgres` user in a temp dir, a free
 * loopback port, fsync on) and `count` Weir nodes on it, each a bench broker child with
 * `WEIR_STORAGE=postgres`, its own node id, port and advertised URL, and `WEIR_LEASE_MS`.
 * `stop()` ends every node and the server (bounded waits); safe to call twice.
 */
export class BenchCluster {
  readonly nodes: BenchNode[] = [];

  private constructor(
    readonly postgres: PostgresServer,
    readonly leaseMs: number,
  ) {}

  static async start(count: number, leaseMs: number): Promise<BenchCluster> {
    const postgres = await PostgresServer.initialise();
    const cluster = new BenchCluster(postgres, leaseMs);
    try {
      appendFileSync(join(postgres.layout.dataDir, 'postgresql.conf'), BENCH_SETTINGS);
      await postgres.startProcess();
      // The role PostgresServer.start() creates: Weir's own, owning its database, no superuser.
      await postgres.superuserQuery(
        `CREATE ROLE ${WEIR_ROLE.user} LOGIN NOSUPERUSER PASSWORD '${WEIR_ROLE.password}'`,
      );
      await postgres.createDatabase(WEIR_ROLE.database);
      log(`PostgreSQL on 127.0.0.1:${postgres.port}, data ${postgres.layout.dataDir}`);
      const ports = await distinctPorts(count);
      const started = await Promise.allSettled(
        ports.map((port, i) => {
          const id = `node-${i + 1}`;
          return BrokerHandle.start(id, {
            WEIR_STORAGE: 'postgres',
            WEIR_POSTGRES_URL: postgres.url(),
            WEIR_NODE_ID: id,
            WEIR_ADVERTISED_URL: `http://127.0.0.1:${port}`,
            WEIR_LEASE_MS: String(leaseMs),
            WEIR_HTTP_PORT: String(port),
          }).then((broker) => cluster.nodes.push({ id, port, broker }));
        }),
      );
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      cluster.nodes.sort((a, b) => a.id.localeCompare(b.id));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** `GET /cluster` from the node on `port`. */
  async view(port: number): Promise<ClusterView> {
    const client = new HttpClient(port, 1);
    try {
      return (await client.expect(200, 'GET', '/cluster')) as ClusterView;
    } finally {
      client.close();
    }
  }

  /**
   * Polls `GET /cluster` on `port` every 20 ms until `check` holds (bounded by `timeoutMs`);
   * answers the view, or throws with the last one.
   */
  async waitForView(port: number, check: (v: ClusterView) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let i = 0; i < 100_000 && Date.now() <= deadline; i++) {
      try {
        const view = await this.view(port);
        last = view;
        if (check(view)) return view;
      } catch (error) {
        last = String(error);
      }
      await sleep(20);
    }
    throw new Error(`cluster view not reached in ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  /** Waits until `partitions` partitions of `topic` have an owner that is alive. */
  waitForOwners(topic: string, partitions: number, timeoutMs: number) {
    return this.waitForView(this.ports[0]!, (v) => allOwnedByLive(v, topic, partitions), timeoutMs);
  }

  /**
   * SIGKILL of the last node (by pid), then the time until `GET /cluster` on the first shows
   * every partition owned by a live node other than the killed one, each partition the killed
   * node held at a higher epoch than before.
   */
  async takeover(timeoutMs: number) {
    const victim = this.nodes[this.nodes.length - 1]!;
    const observer = this.nodes[0]!;
    const before = await this.view(observer.port);
    const held = new Map(
      before.partitions
        .filter((p) => p.owner === victim.id)
        .map((p) => [`${p.topic}/${p.partition}`, p.epoch]),
    );
    const pid = victim.broker.pid;
    await victim.broker.usage(); // its peak RSS, read before it dies
    log(`takeover: SIGKILL of ${victim.id} (pid ${pid}), which owns ${held.size} partitions`);
    const start = process.hrtime.bigint();
    await victim.broker.kill();
    const view = await this.waitForView(
      observer.port,
      (v) => {
        const alive = new Set(v.nodes.filter((n) => n.alive).map((n) => n.nodeId));
        alive.delete(victim.id);
        return v.partitions.every((p) => {
          const epoch = held.get(`${p.topic}/${p.partition}`);
          return alive.has(p.owner) && (epoch === undefined || p.epoch > epoch);
        });
      },
      timeoutMs,
    );
    const takeoverMs = round(Number(process.hrtime.bigint() - start) / 1e6, 0);
    return {
      killedNode: victim.id,
      killedPid: pid ?? null,
      partitionsMoved: held.size,
      partitionsTotal: view.partitions.length,
      leaseMs: this.leaseMs,
      takeoverMs,
      takeoverLeases: round(takeoverMs / this.leaseMs, 2),
    };
  }

  /** Peak RSS (KiB) of each node so far, by node id. */
  async peakRss(): Promise<Record<string, number>> {
    const rss: Record<string, number> = {};
    for (const node of this.nodes) rss[node.id] = (await node.broker.usage()).peakRssKiB;
    return rss;
  }

  /** Stops every node (SIGKILL if one does not stop in time), then the server. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.broker.stop()));
    await this.postgres.stop();
  }
}

/** True when `count` partitions of `topic` are owned by live nodes. */
export function allOwnedByLive(view: ClusterView, topic: string, count: number): boolean {
  const alive = new Set(view.nodes.filter((n) => n.alive).map((n) => n.nodeId));
  return view.partitions.filter((p) => p.topic === topic && alive.has(p.owner)).length === count;
}

/** `count` different free loopback ports (bounded attempts). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < count && i < count * 10; i++) ports.add(await freeLoopbackPort());
  if (ports.size < count) throw new Error('not enough free loopback ports');
  return [...ports];
}

/** The group's lag on `topic`, each partition's as its owner (per `GET /cluster`) tells it. */
export async function lagAtOwners(c: BenchCluster, group: string, topic: string): Promise<number> {
  const view = await c.view(c.ports[0]!);
  let lag = 0;
  for (const node of c.nodes) {
    const owned = new Set(
      view.partitions
        .filter((p) => p.topic === topic && p.owner === node.id)
        .map((p) => p.partition),
    );
    if (owned.size === 0) continue;
    const client = new HttpClient(node.port, 1);
    try {
      const path = `/queues/groups/${encodeURIComponent(group)}`;
      const described = (await client.expect(200, 'GET', path)) as {
        partitions: Array<{ topic: string; partition: number; lag: number }>;
      };
      for (const p of described.partitions) {
        if (p.topic === topic && owned.has(p.partition)) lag += p.lag;
      }
    } finally {
      client.close();
    }
  }
  return lag;
}

/** Waits until `GET /queues/groups/:group` answers 200 on every node (bounded). */
export async function groupKnownEverywhere(
  ports: readonly number[],
  group: string,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  const path = `/queues/groups/${encodeURIComponent(group)}`;
  for (const port of ports) {
    const client = new HttpClient(port, 1);
    try {
      for (let i = 0; i < 10_000; i++) {
        if ((await client.request('GET', path)).status === 200) break;
        if (Date.now() > deadline) throw new Error(`group ${group} unknown on port ${port}`);
        await sleep(50);
      }
    } finally {
      client.close();
    }
  }
}
