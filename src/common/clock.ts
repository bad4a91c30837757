/** A scheduled callback that can be cancelled; cancelling twice is harmless. */
export interface ScheduledTimer {
  cancel(): void;
}

/**
 * The broker's only source of time. An abstract class so that it is also the DI token.
 * `now()` is epoch milliseconds; `schedule` runs `callback` once, `delayMs` from now; a promise
 * the callback returns is its work in flight (a test clock can await it; real timers ignore it).
 * Timers must never keep the process alive.
 */
export abstract class Clock {
  abstract now(): number;
  abstract schedule(delayMs: number, callback: () => unknown): ScheduledTimer;
}

/** Wall-clock time and real (unref'd) timers. */
export class SystemClock extends Clock {
  override now(): number {
    return Date.now();
  }

  override schedule(delayMs: number, callback: () => unknown): ScheduledTimer {
    const handle = setTimeout(() => void callback(), Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}
