import { NodeRecord, NodeRegistry } from '../../cluster/lease-store';
import { TransactionRunner, WorkMode } from './transaction-runner';

/** A timestamptz as epoch milliseconds (float8, which node-postgres parses as a number). */
export const msOf = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::float8`;

const UPSERT = (restart: boolean) => `
  INSERT INTO nodes (node_id, url, last_seen, started_at) VALUES ($1, $2, now(), now())
  ON CONFLICT (node_id) DO UPDATE SET url = EXCLUDED.url, last_seen = EXCLUDED.last_seen
  ${restart ? ', started_at = EXCLUDED.started_at' : ''}`;

const LIST = `
  SELECT node_id, url, ${msOf('last_seen')} AS last_seen_ms, ${msOf('started_at')} AS started_at_ms,
    last_seen >= now() - $1 * interval '1 millisecond' AS alive
  FROM nodes ORDER BY node_id`;

interface NodeColumns {
  node_id: string;
  url: string;
  last_seen_ms: number;
  started_at_ms: number;
  alive: boolean;
}

/**
 * The node registry in the `nodes` table. It lives with the PostgreSQL adapter, beside the
 * lease table, because it is SQL on the adapter's connection to the primary: the cluster code
 * sees only the `NodeRegistry` interface, and nothing outside persistence/ touches the pool.
 * Every time is the database's (`now()`), so nodes with skewed clocks agree on who is live.
 */
export class PostgresNodeRegistry implements NodeRegistry {
  constructor(private readonly runner: TransactionRunner) {}

  async register(nodeId: string, url: string): Promise<void> {
    await this.runner.run(WorkMode.WRITE, (client) => client.query(UPSERT(true), [nodeId, url]));
  }

  async heartbeat(nodeId: string, url: string): Promise<void> {
    await this.runner.run(WorkMode.WRITE, (client) => client.query(UPSERT(false), [nodeId, url]));
  }

  list(leaseMs: number): Promise<NodeRecord[]> {
    return this.runner.run(WorkMode.SINGLE_READ, async (client) => {
      const { rows } = await client.query<NodeColumns>(LIST, [leaseMs]);
      return rows.map((row) => ({
        nodeId: row.node_id,
        url: row.url,
        lastSeenMs: Math.floor(row.last_seen_ms),
        startedAtMs: Math.floor(row.started_at_ms),
        alive: row.alive,
      }));
    });
  }

  async liveNodeIds(leaseMs: number): Promise<string[]> {
    return (await this.list(leaseMs)).filter((node) => node.alive).map((node) => node.nodeId);
  }

  async leave(nodeId: string): Promise<void> {
    await this.runner.run(WorkMode.WRITE, (client) =>
      client.query('DELETE FROM nodes WHERE node_id = $1', [nodeId]),
    );
  }
}
