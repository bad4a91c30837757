import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built `weir` binary (`npm run build` makes it; `npm test` builds first). */
export const WEIR_BIN = join(__dirname, '..', '..', 'dist', 'cli', 'weir.js');

export interface WeirRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A running `weir` process: its output so far, and its end. */
export interface WeirProcess {
  output: () => string;
  writeLine: (line: string) => void;
  kill: () => void;
  done: Promise<WeirRun>;
}

/** Starts the built binary with `args`, `WEIR_URL` set to `url`; killed after `timeoutMs`. */
export function startWeir(
  url: string,
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): WeirProcess {
  if (!existsSync(WEIR_BIN)) throw new Error(`${WEIR_BIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [WEIR_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', WEIR_URL: url, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const done = new Promise<WeirRun>((resolve) => {
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
  return {
    output: () => stdout,
    writeLine: (line) => child.stdin.write(`${line}\n`),
    kill: () => child.kill('SIGINT'),
    done,
  };
}

/** Runs the built binary to its end. */
export function runWeir(
  url: string,
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<WeirRun> {
  return startWeir(url, args, { stdin: options.stdin ?? '', ...options }).done;
}
