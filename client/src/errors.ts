/** An error answered by the broker, with its stable code (`LOCK_LOST`, `TOPIC_NOT_FOUND`, ...). */
export class WeirError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'WeirError';
  }

  /** True when trying again may succeed: the broker was unreachable or not ready. */
  get retriable(): boolean {
    return this.code === 'NETWORK_ERROR' || this.status === 503 || this.status === 500;
  }
}

/** Thrown by a handler to dead-letter the record at once instead of retrying it. */
export class NonRetriableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetriableError';
  }
}

/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, baseMs * 2^attempt)]. */
export function jitteredBackoffMs(attempt: number, baseMs = 100, maxMs = 5000): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
