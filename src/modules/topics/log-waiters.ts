import { Clock, ScheduledTimer } from '../../common/clock';

interface Waiter {
  keys: readonly string[];
  resolve: () => void;
  timer: ScheduledTimer | undefined;
}

/** The key a partition's waiters are filed under. */
export const partitionKey = (topicId: number, partition: number): string =>
  `${topicId}:${partition}`;

/**
 * The key notified, besides each partition's, when records are appended to the topic named
 * `topicName`: a waiter for a topic that does not exist yet cannot know its partition keys.
 */
export const topicNameKey = (topicName: string): string => `topic:${topicName}`;

/**
 * Long-poll wake-ups without polling: a waiter sleeps until one of its keys is notified, its
 * deadline passes (on the injected clock) or the broker shuts down, whichever comes first.
 */
export class LogWaiters {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Resolves when any of `keys` is notified or after `timeoutMs`. Never rejects. */
  waitForAny(keys: readonly string[], timeoutMs: number): Promise<void> {
    if (this.closed || timeoutMs <= 0 || keys.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { keys, resolve, timer: undefined };
      waiter.timer = this.clock.schedule(timeoutMs, () => this.wake(waiter));
      for (const key of keys) {
        let set = this.byKey.get(key);
        if (!set) this.byKey.set(key, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  /** Wakes every waiter on `key`. */
  notify(key: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const waiter of [...set]) this.wake(waiter);
  }

  /** Number of sleeping waiters (for tests and metrics). */
  get size(): number {
    const all = new Set<Waiter>();
    for (const set of this.byKey.values()) for (const w of set) all.add(w);
    return all.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Wakes everyone and refuses to sleep again: used at shutdown. */
  close(): void {
    this.closed = true;
    for (const set of [...this.byKey.values()]) for (const waiter of [...set]) this.wake(waiter);
  }

  private wake(waiter: Waiter): void {
    waiter.timer?.cancel();
    for (const key of waiter.keys) {
      const set = this.byKey.get(key);
      set?.delete(waiter);
      if (set?.size === 0) this.byKey.delete(key);
    }
    waiter.resolve();
  }
}
