import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A broker running as a separate process from the compiled `dist/main.js`. */
export interface ChildBroker {
  process: ChildProcess;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** Everything the process wrote to stdout and stderr so far (its logs). */
  output: () => string;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** Starts `node dist/main.js` on `dataDir` and a free port; resolves once it listens. */
export function startChildBroker(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<ChildBroker> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      WEIR_HTTP_PORT: '0',
      WEIR_HTTP_HOST: '127.0.0.1',
      WEIR_LOG_LEVEL: 'info',
      ...env,
      WEIR_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child broker did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (more: Buffer) => (output += more.toString('utf8')));
        resolve({
          process: child,
          url: `http://127.0.0.1:${match[1]}`,
          exited,
          output: () => output,
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child broker exited with ${code} before listening:\n${output}`));
    });
  });
}
