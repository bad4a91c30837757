import { ChildBroker, startChildBroker } from './child-broker';
import { freeLoopbackPort, isAlive } from './postgres-process';
import { PostgresReplication } from './postgres-replication';
import { makeTempDir } from './temp-dir';

/** `GET /cluster` as a node answers it. */
export interface ClusterView {
  nodeId: string;
  storage: string;
  nodes: Array<{ nodeId: string; url: string; alive: boolean; lastSeenMs: number }>;
  partitions: Array<{ topic: string; partition: number; owner: string; epoch: number }>;
  /** Streaming groups' coordinators (PostgreSQL only). */
  groups?: Array<{ group: string; coordinator: string; epoch: number }>;
}

/** One Weir node of the cluster: a child process on a port of its own, kept across restarts. */
export interface WeirNode {
  id: string;
  port: number;
  url: string;
  broker: ChildBroker | null;
  /** Every log line of every run of this node (for failure messages). */
  logs: string[];
}

export interface WeirClusterOptions {
  nodes?: number;
  /** `WEIR_LEASE_MS` of every node. */
  leaseMs?: number;
  /** More environment for every node. */
  env?: Record<string, string>;
}

/**
 * A PostgreSQL primary with a synchronous standby and N Weir nodes as child processes of the
 * compiled broker (`dist/main.js`), each with `WEIR_STORAGE=postgres`, both URLs in
 * `WEIR_POSTGRES_URL`, its own `WEIR_NODE_ID` and `WEIR_ADVERTISED_URL` on a free loopback
 * port. Nodes are signalled by pid (SIGKILL, SIGSTOP, SIGCONT) and restarted on the same port;
 * waits poll `GET /cluster` in bounded loops with deadlines; `stop()` ends everything it
 * started (a stopped node is continued first, so that it can die).
 */
export class WeirCluster {
  readonly nodes: WeirNode[] = [];
  private readonly dataDir = makeTempDir('weir-cluster-');

  private constructor(
    readonly postgres: PostgresReplication,
    readonly leaseMs: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: WeirClusterOptions = {}): Promise<WeirCluster> {
    const postgres = await PostgresReplication.start();
    const cluster = new WeirCluster(postgres, options.leaseMs ?? 2_000, options.env ?? {});
    try {
      for (let i = 0; i < (options.nodes ?? 3); i++) {
        const port = await freeLoopbackPort();
        cluster.nodes.push({
          id: `node-${i + 1}`,
          port,
          url: `http://127.0.0.1:${port}`,
          broker: null,
          logs: [],
        });
      }
      // Started together, as an operator's three units would be (one of them migrates).
      await Promise.all(cluster.nodes.map((node) => cluster.launch(node)));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  node(id: string): WeirNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  pid(id: string): number {
    const pid = this.node(id).broker?.process.pid;
    if (pid === undefined) throw new Error(`${id} is not running`);
    return pid;
  }

  /** SIGKILL (a lost machine); resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const node = this.node(id);
    const broker = node.broker;
    if (!broker) return;
    process.kill(this.pid(id), 'SIGCONT');
    process.kill(this.pid(id), 'SIGKILL');
    await broker.exited;
    node.logs.push(broker.output());
    node.broker = null;
  }

  /** SIGSTOP: the process is frozen, its sockets stay open. */
  freeze(id: string): void {
    process.kill(this.pid(id), 'SIGSTOP');
  }

  /** SIGCONT after `freeze`. */
  thaw(id: string): void {
    process.kill(this.pid(id), 'SIGCONT');
  }

  /** Starts a killed node again with the same id and port. */
  async restart(id: string): Promise<void> {
    const node = this.node(id);
    if (node.broker) throw new Error(`${id} is running`);
    await this.launch(node);
  }

  /** `GET /cluster` from a node. */
  async view(id: string): Promise<ClusterView> {
    const response = await fetch(`${this.node(id).url}/cluster`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`${id}: GET /cluster answered ${response.status}`);
    return (await response.json()) as ClusterView;
  }

  /**
   * Polls `GET /cluster` on `id` (every 50 ms, bounded by `timeoutMs`) until `check` holds;
   * resolves with that view and the time it took.
   */
  async waitForView(
    id: string,
    check: (view: ClusterView) => boolean,
    timeoutMs: number,
    label: string,
  ): Promise<{ view: ClusterView; tookMs: number }> {
    const startedMs = Date.now();
    let last: unknown;
    for (let round = 0; Date.now() - startedMs <= timeoutMs && round < 10_000; round++) {
      try {
        const view = await this.view(id);
        last = view;
        if (check(view)) return { view, tookMs: Date.now() - startedMs };
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${label} not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  /** Waits until every partition of `topic` (of `count`) is owned by a live node. */
  waitForOwners(id: string, topic: string, count: number, timeoutMs: number) {
    return this.waitForView(
      id,
      (view) => {
        const alive = new Set(view.nodes.filter((n) => n.alive).map((n) => n.nodeId));
        const owned = view.partitions.filter((p) => p.topic === topic && alive.has(p.owner));
        return owned.length === count;
      },
      timeoutMs,
      `every partition of ${topic} owned`,
    );
  }

  /** Every log line of a node so far (for failure messages). */
  logs(id: string): string {
    const node = this.node(id);
    return [...node.logs, node.broker?.output() ?? ''].join('\n');
  }

  /** Ends every node (continued first, then killed) and the PostgreSQL pair; removes dirs. */
  async stop(): Promise<void> {
    for (const node of this.nodes) {
      const pid = node.broker?.process.pid;
      if (pid === undefined || !isAlive(pid)) continue;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      await node.broker!.exited;
    }
    await this.postgres.stop();
    this.dataDir.remove();
  }

  private async launch(node: WeirNode): Promise<void> {
    node.broker = await startChildBroker(
      this.dataDir.path,
      {
        WEIR_STORAGE: 'postgres',
        WEIR_POSTGRES_URL: this.postgres.urls().join(','),
        WEIR_NODE_ID: node.id,
        WEIR_ADVERTISED_URL: node.url,
        WEIR_LEASE_MS: String(this.leaseMs),
        WEIR_LOG_LEVEL: 'info',
        ...this.env,
        WEIR_HTTP_PORT: String(node.port),
      },
      60_000,
    );
  }
}
