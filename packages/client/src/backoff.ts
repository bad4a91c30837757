/** How long to wait before attempt n + 1: exponential from `initialMs`, capped at `maxMs`. */
export interface BackoffOptions {
  /** Ceiling of the first delay (default 100 ms). */
  initialMs?: number;
  /** Largest ceiling (default 5,000 ms). */
  maxMs?: number;
  /** Growth of the ceiling per attempt (default 2). */
  multiplier?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): "equal jitter", a random
 * point in the upper half of the exponential ceiling, so that clients that failed together do
 * not retry together and no retry comes at once.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 5000;
  const ceiling = Math.min(maxMs, initialMs * (options.multiplier ?? 2) ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts (it never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
