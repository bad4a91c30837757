import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where Debian's `postgresql` package puts the binaries of the newest installed major version. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = (existsSync(root) ? readdirSync(root) : [])
    .filter((name) => /^\d+$/.test(name) && existsSync(`${root}/${name}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root} (see .ci/run)`);
  return `${root}/${versions[0]}/bin`;
}

/** The uid and gid of the `postgres` OS user (PostgreSQL refuses to run as root). */
export function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Runs a PostgreSQL binary as the `postgres` user; rejects with its output on failure. */
export function runAsPostgres(
  binary: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'runuser',
      ['-u', 'postgres', '--', binary, ...args],
      { timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** A free TCP port on 127.0.0.1, never 5432 (bounded attempts). */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (port !== 0 && port !== 5432) return port;
  }
  throw new Error('no free loopback port');
}

/** True while `pid` is a live process (a zombie counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of `pid`'s direct children, read from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((part) => part.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Waits until every pid has ended, polling /proc; false when the deadline passes first. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Sends `signal` to each pid that is still alive (the pids this harness started). */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // it ended between the check and the signal
    }
  }
}

/** Retries `attempt` until it resolves, at most `attempts` times and within `timeoutMs`. */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  label: string,
  timeoutMs: number,
  attempts = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let i = 0; i < attempts && Date.now() <= deadline; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${label} not reached within ${timeoutMs} ms${reason}`);
}
