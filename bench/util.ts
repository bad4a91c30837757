import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes of one benchmark record's value as JSON text: a quoted string of 254 characters. */
export const VALUE_BYTES = 256;

/** The value every benchmark record carries: 'x' * 254, which is 256 bytes of JSON. */
export const RECORD_VALUE = 'x'.repeat(VALUE_BYTES - 2);

/** JSON text of `count` unkeyed records: `[{"value":"xxx…"}, …]`. */
export function recordsJson(count: number): string {
  const one = JSON.stringify({ value: RECORD_VALUE });
  return `[${new Array<string>(count).fill(one).join(',')}]`;
}

/** One result line on stdout: the machine-readable output. */
export function emit(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Human-oriented progress on stderr. */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Seconds since `start` (a `process.hrtime.bigint()` value). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Rounds to `digits` decimals, to keep the JSON readable. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The q-quantile (0..1) of ascending `sorted` by the nearest-rank method; 0 when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** A fresh directory under the OS temp dir. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `weir-bench-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throughput figures of a produce or read run. */
export interface Throughput {
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Value payload MB/s (10^6 bytes of record values). */
  mbPerSec: number;
}

export function throughput(records: number, seconds: number): Throughput {
  const perSec = seconds > 0 ? records / seconds : 0;
  return {
    records,
    seconds: round(seconds, 3),
    recordsPerSec: Math.round(perSec),
    mbPerSec: round((perSec * VALUE_BYTES) / 1e6),
  };
}
