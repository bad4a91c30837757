import { randomUUID } from 'node:crypto';
import type { Notification, PoolClient } from 'pg';
import type { BoundsChange, PartitionBounds } from '../port/log-storage';
import type { PostgresStorageOptions } from './postgres-options';
import { PrimaryPool } from './primary-pool';
import { TransactionRunner, WorkMode } from './transaction-runner';

/** The channel the nodes of one database tell each other about their committed appends on. */
export const BOUNDS_CHANNEL = 'weir_bounds';
/** Partitions per notification: keeps a payload well under PostgreSQL's 8,000 bytes. */
const PARTITIONS_PER_NOTICE = 100;
/** Pause before listening again after the listening connection failed. Ms. */
const RELISTEN_MS = 1_000;

/** One notification: who sent it, and the bounds of the partitions its commits changed. */
interface Notice {
  from: string;
  /** [topicId, partition, logStartOffset, logEndOffset, bytes] */
  bounds: Array<[number, number, number, number, number]>;
}

/**
 * Wake-ups across nodes sharing one PostgreSQL database (DESIGN §7, issue 13): after a commit
 * changed partitions' bounds (records appended, dead-letter copies, truncations), the node
 * publishes them with `pg_notify`, after the commit and off the answer's path; every other
 * node listens on a connection of its own and reports them as a remote `BoundsChange`, so that
 * its mirror of the bounds follows and its long-polls and subscriptions on those partitions
 * wake at once. At most one notification is in flight per node: changes that come meanwhile
 * are merged (the newest bounds of each partition) into the next one. Notifications are a
 * hint, not the truth: one lost (a node that crashed after its commit, a listener
 * reconnecting) is made up by the nodes' periodic refresh of the bounds at each lease tick.
 */
export class BoundsNotices {
  private readonly from = randomUUID();
  private pending = new Map<string, PartitionBounds>();
  private sending: Promise<void> | null = null;
  private listening: { client: PoolClient; pool: PrimaryPool } | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly runner: TransactionRunner,
    private readonly options: PostgresStorageOptions,
    private readonly remote: (change: BoundsChange) => void,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Starts listening for other nodes' notices (retried in the background on failure). */
  async listen(): Promise<void> {
    if (this.closed || this.listening) return;
    const pool = new PrimaryPool({ ...this.options, poolSize: 1 });
    try {
      const { client } = await pool.connect();
      client.on('notification', (message: Notification) => this.received(message));
      client.on('error', (error) => this.lost(error));
      await client.query(`LISTEN ${BOUNDS_CHANNEL}`);
      this.listening = { client, pool };
    } catch (error) {
      await pool.close().catch(() => undefined);
      this.lost(error);
    }
  }

  /** Tells the other nodes what a local commit changed (merged with what waits to be sent). */
  publish(change: BoundsChange): void {
    if (this.closed || change.bounds.length === 0) return;
    for (const b of change.bounds) {
      const key = `${b.topicId}/${b.partition}`;
      const known = this.pending.get(key);
      if (!known || known.logEndOffset <= b.logEndOffset) this.pending.set(key, b);
    }
    this.sending ??= this.send().finally(() => (this.sending = null));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.relisten) clearTimeout(this.relisten);
    await this.sending;
    const listening = this.listening;
    this.listening = null;
    if (listening) {
      listening.client.release(true);
      await listening.pool.close().catch(() => undefined);
    }
  }

  private async send(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      const bounds = [...this.pending.values()];
      this.pending = new Map();
      try {
        for (let i = 0; i < bounds.length; i += PARTITIONS_PER_NOTICE) {
          const notice: Notice = {
            from: this.from,
            bounds: bounds
              .slice(i, i + PARTITIONS_PER_NOTICE)
              .map((b) => [b.topicId, b.partition, b.logStartOffset, b.logEndOffset, b.bytes]),
          };
          await this.runner.run(WorkMode.SINGLE_READ, (client) =>
            client.query('SELECT pg_notify($1, $2)', [BOUNDS_CHANNEL, JSON.stringify(notice)]),
          );
        }
      } catch (error) {
        this.onError(error); // the others see these bounds at their next refresh
      }
    }
  }

  private received(message: Notification): void {
    if (message.channel !== BOUNDS_CHANNEL || message.payload === undefined) return;
    let notice: Notice;
    try {
      notice = JSON.parse(message.payload) as Notice;
    } catch {
      return;
    }
    if (notice.from === this.from || !Array.isArray(notice.bounds)) return;
    const bounds = notice.bounds.map(
      ([topicId, partition, logStartOffset, logEndOffset, bytes]): PartitionBounds => ({
        topicId,
        partition,
        logStartOffset,
        logEndOffset,
        bytes,
      }),
    );
    this.remote({ bounds, deletedTopicIds: [], remote: true });
  }

  /** The listening connection failed: listen again after a pause (a promoted primary, say). */
  private lost(error: unknown): void {
    this.onError(error);
    const listening = this.listening;
    this.listening = null;
    if (listening) {
      listening.client.release(true);
      void listening.pool.close().catch(() => undefined);
    }
    if (this.closed || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      void this.listen();
    }, RELISTEN_MS);
    this.relisten.unref();
  }
}
