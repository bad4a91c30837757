import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { retryUntil, runAsPostgres } from './postgres-process';
import { PostgresServer } from './postgres-server';

const STANDBY_NAME = 'weir_standby';

/**
 * A primary and a streaming **synchronous** standby on loopback (`synchronous_commit=on`,
 * `synchronous_standby_names` naming the standby, which was made by `pg_basebackup -R`): a
 * commit answered by the primary is flushed on the standby too. `killPrimary()` is a SIGKILL
 * of the primary's processes; `promoteStandby()` turns the standby into a primary.
 */
export class PostgresReplication {
  private constructor(
    readonly primary: PostgresServer,
    readonly standby: PostgresServer,
  ) {}

  /** Starts both and waits until the standby is attached as synchronous (bounded). */
  static async start(): Promise<PostgresReplication> {
    const primary = await PostgresServer.start();
    let standby: PostgresServer | undefined;
    try {
      standby = await PostgresServer.forStandby();
      await runAsPostgres(
        join(primary.bin, 'pg_basebackup'),
        [
          '-d',
          primary.superuserUrl(),
          '-D',
          standby.layout.dataDir,
          '-R',
          '-X',
          'stream',
          '--checkpoint=fast',
          '--no-sync',
        ],
        60_000,
      );
      // The standby's own settings win over the primary's copied postgresql.conf; a promoted
      // standby has no synchronous standby of its own, so it must not wait for one.
      appendFileSync(
        join(standby.layout.dataDir, 'postgresql.auto.conf'),
        [
          `port = ${standby.port}`,
          `unix_socket_directories = '${standby.layout.dir}'`,
          `cluster_name = '${STANDBY_NAME}'`,
          "synchronous_standby_names = ''",
          '',
        ].join('\n'),
      );
      await standby.startProcess();
      await primary.superuserQuery(
        `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`,
      );
      await primary.superuserQuery('SELECT pg_reload_conf()');
      const pair = new PostgresReplication(primary, standby);
      await pair.waitForSynchronousStandby(30_000);
      return pair;
    } catch (error) {
      await standby?.stop();
      await primary.stop();
      throw error;
    }
  }

  /** The URLs of both, primary first, as `WEIR_POSTGRES_URL` lists them. */
  urls(database?: string): string[] {
    return [this.primary.url(database), this.standby.url(database)];
  }

  /** Waits until the primary reports the standby streaming in `sync` state. */
  async waitForSynchronousStandby(timeoutMs: number): Promise<void> {
    await retryUntil(
      async () => {
        const rows = await this.primary.superuserQuery<{ sync_state: string }>(
          "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'",
          [STANDBY_NAME],
        );
        if (rows[0]?.sync_state !== 'sync') throw new Error(`standby ${rows[0]?.sync_state}`);
      },
      'synchronous standby',
      timeoutMs,
    );
  }

  /** SIGKILL of every process of the primary (a lost machine). */
  async killPrimary(): Promise<void> {
    await this.primary.kill();
  }

  /** Promotes the standby and waits until it accepts writes (bounded). */
  async promoteStandby(): Promise<void> {
    await runAsPostgres(
      join(this.standby.bin, 'pg_ctl'),
      ['-D', this.standby.layout.dataDir, '-w', '-t', '30', 'promote'],
      35_000,
    );
    await retryUntil(
      async () => {
        const client = new Client({ connectionString: this.standby.url() });
        await client.connect();
        try {
          const { rows } = await client.query<{ recovery: boolean }>(
            'SELECT pg_is_in_recovery() AS recovery',
          );
          if (rows[0]?.recovery !== false) throw new Error('still in recovery');
        } finally {
          await client.end();
        }
      },
      'promoted standby accepting writes',
      30_000,
    );
  }

  /** Stops both (only their own processes) and removes their dirs. */
  async stop(): Promise<void> {
    await this.standby.stop();
    await this.primary.stop();
  }
}
