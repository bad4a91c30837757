import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError } from './api';

/** How often live figures refresh, unless the page says otherwise. */
export const REFRESH_MS = 3000;

export interface Live<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** Loads again now (after an action), and restarts the period. */
  refresh: () => Promise<void>;
}

/**
 * Loads `load()` now and every `periodMs` while the tab is visible (paused while it is hidden,
 * loaded again as soon as it shows). `deps` restart it. A failure keeps the last data and shows
 * the error; the next success clears it.
 */
export function useLive<T>(
  load: () => Promise<T>,
  deps: unknown[],
  periodMs: number = REFRESH_MS,
): Live<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const loader = useRef(load);
  loader.current = load;
  const timer = useRef<number | undefined>(undefined);
  const alive = useRef(true);

  const run = useCallback(async (): Promise<void> => {
    window.clearTimeout(timer.current);
    try {
      const next = await loader.current();
      if (!alive.current) return;
      setData(next);
      setError(undefined);
    } catch (failure) {
      if (alive.current) setError(asApiError(failure));
    }
    if (alive.current && periodMs > 0 && document.visibilityState === 'visible') {
      timer.current = window.setTimeout(() => void run(), periodMs);
    }
  }, [periodMs]);

  useEffect(() => {
    alive.current = true;
    setData(undefined);
    setError(undefined);
    void run();
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') void run();
      else window.clearTimeout(timer.current);
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      alive.current = false;
      window.clearTimeout(timer.current);
      document.removeEventListener('visibilitychange', onVisibility);
    };
    // The caller names what restarts it, as with useEffect.
  }, deps);

  return { data, error, refresh: run };
}

/** A figure sampled at each refresh: the last `size` values with their times. */
export interface Series {
  times: number[];
  values: number[];
}

/**
 * Keeps a short history per key (a topic, a group) across refreshes, for rates and charts.
 * `record` adds a sample; `rate` is the change per second between the last two samples.
 */
export class History {
  private readonly series = new Map<string, Series>();

  constructor(private readonly size = 40) {}

  record(key: string, atMs: number, value: number): void {
    const entry = this.series.get(key) ?? { times: [], values: [] };
    const last = entry.times[entry.times.length - 1];
    if (last !== undefined && atMs <= last) return;
    entry.times.push(atMs);
    entry.values.push(value);
    if (entry.times.length > this.size) {
      entry.times.shift();
      entry.values.shift();
    }
    this.series.set(key, entry);
  }

  values(key: string): number[] {
    return this.series.get(key)?.values ?? [];
  }

  /** Per-second differences between successive samples (a counter's rate over time). */
  rates(key: string): number[] {
    const entry = this.series.get(key);
    if (!entry) return [];
    const rates: number[] = [];
    for (let i = 1; i < entry.values.length; i++) {
      const seconds = (entry.times[i]! - entry.times[i - 1]!) / 1000;
      rates.push(Math.max(0, (entry.values[i]! - entry.values[i - 1]!) / seconds));
    }
    return rates;
  }

  rate(key: string): number | undefined {
    const rates = this.rates(key);
    return rates[rates.length - 1];
  }
}

/** One `History` per page kind, kept while the console is open. */
export const histories = {
  topics: new History(),
  streamLag: new History(),
  shareLag: new History(),
};
