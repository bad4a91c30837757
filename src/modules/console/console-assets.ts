import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One built file of the console, held in memory with its gzip form. */
export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The directory `npm run build` writes the console to: `dist/console` of the repository, whether
 * the broker runs compiled (`dist/modules/console`) or from its sources (`src/modules/console`).
 */
export const CONSOLE_BUILD_DIR = join(resolve(__dirname, '..', '..', '..'), 'dist', 'console');

/**
 * The console's static files: `index.html` and the content-hashed files under `assets/`, read
 * once on first use (a few tens of kilobytes) and compressed once.
 */
export class ConsoleAssets {
  private page: ConsoleAsset | undefined;
  private assets: Map<string, ConsoleAsset> | undefined;

  constructor(private readonly directory: string = CONSOLE_BUILD_DIR) {}

  /** True when the build output exists. */
  built(): boolean {
    return existsSync(join(this.directory, 'index.html'));
  }

  /** The page, or undefined when the console was not built. */
  indexPage(): ConsoleAsset | undefined {
    if (!this.built()) return undefined;
    return (this.page ??= load(join(this.directory, 'index.html')));
  }

  /** A file of `assets/` by its plain name (never a path), or undefined. */
  asset(name: string): ConsoleAsset | undefined {
    if (!this.assets) {
      const folder = join(this.directory, 'assets');
      if (!existsSync(folder)) return undefined;
      this.assets = new Map(
        readdirSync(folder)
          .filter((file) => CONTENT_TYPES[extname(file)] !== undefined)
          .map((file) => [file, load(join(folder, file))]),
      );
    }
    return this.assets.get(name);
  }
}

function load(path: string): ConsoleAsset {
  const body = readFileSync(path);
  return {
    contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    body,
    gzipped: gzipSync(body, { level: 9 }),
  };
}
