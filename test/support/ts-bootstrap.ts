import { join } from 'node:path';
import type { EngineWorkerSource } from '../../src/persistence/sqlite/sqlite-storage';

const ROOT = join(__dirname, '..', '..');

/** The TypeScript source of the storage engine's thread. */
export const ENGINE_WORKER_TS = join(ROOT, 'src', 'persistence', 'sqlite', 'engine-worker.ts');

/**
 * JavaScript that runs a TypeScript file outside jest (a worker thread, a child process): it
 * registers a `require` hook compiling `.ts` files with `typescript.transpileModule` (no type
 * check; jest's typecheck and `npm run typecheck` do that), caching the output under the OS temp
 * dir by content hash so that later threads skip loading the compiler, then requires `entry`.
 */
export function tsBootstrap(entry: string): string {
  const typescript = require.resolve('typescript');
  return `
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const os = require('node:os');
const cacheDir = path.join(os.tmpdir(), 'weir-ts-cache');
let ts;
require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const hash = crypto.createHash('sha1').update(filename).update('\\0').update(source).digest('hex');
  const cached = path.join(cacheDir, hash + '.js');
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    ts = ts || require(${JSON.stringify(typescript)});
    code = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        inlineSourceMap: true,
      },
    }).outputText;
    fs.mkdirSync(cacheDir, { recursive: true });
    const partial = cached + '.' + process.pid + '.' + require('node:worker_threads').threadId;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, cached);
  }
  module._compile(code, filename);
};
require(${JSON.stringify(entry)});
`;
}

/** The engine's thread from its TypeScript sources (for `SqliteStorage.open` in tests). */
export const tsEngineWorker = (): EngineWorkerSource => ({ code: tsBootstrap(ENGINE_WORKER_TS) });
