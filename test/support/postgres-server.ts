import {
  appendFileSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  childPids,
  freeLoopbackPort,
  isAlive,
  postgresBinDir,
  postgresUser,
  retryUntil,
  runAsPostgres,
  signalPids,
  waitForExit,
} from './postgres-process';

/** The role and database Weir uses: the role owns the database and is not a superuser. */
export const WEIR_ROLE = {
  user: 'weir',
  password: 'weir-test-password',
  database: 'weir',
} as const;

const SUPERUSER_PASSWORD = 'postgres-test-password';
const START_TIMEOUT_S = 30;

/** How to lay out one instance: a fresh cluster (initdb) or a base backup of a primary. */
export interface InstanceLayout {
  dir: string;
  dataDir: string;
  port: number;
}

/**
 * A real PostgreSQL instance for tests, in its own temp dir, listening only on 127.0.0.1 on a
 * free port (never 5432, never the system cluster), fsync on, run as the `postgres` OS user.
 * `stop()` and `kill()` end only the processes this instance started (its postmaster and the
 * postmaster's children, by pid).
 */
export class PostgresServer {
  private stopped = false;

  private constructor(
    readonly layout: InstanceLayout,
    readonly bin: string,
  ) {}

  /** A fresh cluster (initdb) with the Weir role and database, started and accepting. */
  static async start(): Promise<PostgresServer> {
    const server = await PostgresServer.initialise();
    try {
      await server.startProcess();
      await server.createWeirRole();
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** Creates the temp dir and runs initdb, without starting the server. */
  static async initialise(): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const dir = PostgresServer.makeDir();
    const dataDir = join(dir, 'data');
    const port = await freeLoopbackPort();
    const server = new PostgresServer({ dir, dataDir, port }, bin);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`);
    PostgresServer.chownToPostgres(pwfile);
    try {
      await runAsPostgres(join(bin, 'initdb'), [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--auth-local=peer',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ]);
      appendFileSync(join(dataDir, 'postgresql.conf'), PostgresServer.settings(server.layout));
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** An instance for a standby: its own temp dir and port; the caller fills `dataDir`. */
  static async forStandby(): Promise<PostgresServer> {
    const dir = PostgresServer.makeDir();
    const port = await freeLoopbackPort();
    return new PostgresServer({ dir, dataDir: join(dir, 'data'), port }, postgresBinDir());
  }

  /** Settings appended to postgresql.conf: loopback only, fsync on, replication possible. */
  static settings(layout: InstanceLayout): string {
    return [
      '',
      "listen_addresses = '127.0.0.1'",
      `port = ${layout.port}`,
      `unix_socket_directories = '${layout.dir}'`,
      'fsync = on',
      'synchronous_commit = on',
      'wal_level = replica',
      'max_wal_senders = 5',
      'max_connections = 60',
      'shared_buffers = 64MB',
      'wal_keep_size = 64MB',
      '',
    ].join('\n');
  }

  get port(): number {
    return this.layout.port;
  }

  /**
   * The pid of this instance's running postmaster, or null: read from its pid file, and only
   * while that process is alive and is a postmaster of this data dir (a stale pid file after a
   * kill never names another process).
   */
  get postmasterPid(): number | null {
    try {
      const pidFile = readFileSync(join(this.layout.dataDir, 'postmaster.pid'), 'utf8');
      const pid = Number(pidFile.split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return command.includes(this.layout.dataDir) ? pid : null;
    } catch {
      return null;
    }
  }

  /** A URL for the Weir role on `database` (default: Weir's own). */
  url(database: string = WEIR_ROLE.database): string {
    return `postgres://${WEIR_ROLE.user}:${WEIR_ROLE.password}@127.0.0.1:${this.port}/${database}`;
  }

  /** A URL for the superuser, for the harness's own setup and checks. */
  superuserUrl(database = 'postgres'): string {
    return `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs `sql` as the superuser and returns the rows. */
  async superuserQuery<T extends object>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.superuserUrl(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** A new empty database owned by the Weir role; resolves with its URL for that role. */
  async createDatabase(name: string): Promise<string> {
    await this.superuserQuery(`CREATE DATABASE "${name}" OWNER ${WEIR_ROLE.user}`);
    return this.url(name);
  }

  /** Starts the server with pg_ctl and waits until it accepts connections (bounded). */
  async startProcess(): Promise<void> {
    await runAsPostgres(
      join(this.bin, 'pg_ctl'),
      [
        '-D',
        this.layout.dataDir,
        '-l',
        join(this.layout.dir, 'server.log'),
        '-w',
        '-t',
        String(START_TIMEOUT_S),
        'start',
      ],
      (START_TIMEOUT_S + 5) * 1000,
    );
    await this.waitUntilReady(START_TIMEOUT_S * 1000);
  }

  /** Waits until `pg_isready` says the server accepts connections (bounded in count and time). */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    await retryUntil(
      () =>
        runAsPostgres(
          join(this.bin, 'pg_isready'),
          ['-h', '127.0.0.1', '-p', String(this.port), '-t', '2'],
          5000,
        ),
      `PostgreSQL on port ${this.port} ready`,
      timeoutMs,
    );
  }

  /** The server's log, for failure messages. */
  log(): string {
    try {
      return readFileSync(join(this.layout.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGKILL of the postmaster and all of its children at once (a machine lost). */
  async kill(): Promise<void> {
    const pid = this.postmasterPid;
    if (pid === null) return;
    const pids = [pid, ...childPids(pid)];
    signalPids(pids, 'SIGKILL');
    if (!(await waitForExit(pids, 10_000))) throw new Error(`postmaster ${pid} did not die`);
  }

  /** Fast shutdown of the processes this instance started, then removes its dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.postmasterPid;
    if (pid !== null) {
      const pids = [pid, ...childPids(pid)];
      signalPids([pid], 'SIGINT');
      if (!(await waitForExit(pids, 15_000))) {
        signalPids([pid, ...childPids(pid), ...pids], 'SIGKILL');
        await waitForExit(pids, 5_000);
      }
    }
    rmSync(this.layout.dir, { recursive: true, force: true });
  }

  private async createWeirRole(): Promise<void> {
    await this.superuserQuery(
      `CREATE ROLE ${WEIR_ROLE.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${WEIR_ROLE.password}'`,
    );
    await this.createDatabase(WEIR_ROLE.database);
  }

  private static makeDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'weir-pg-'));
    PostgresServer.chownToPostgres(dir);
    return dir;
  }

  private static chownToPostgres(path: string): void {
    const { uid, gid } = postgresUser();
    chownSync(path, uid, gid);
  }
}
