/**
 * Serializes operations on share partitions (DESIGN §8, "memory follows the disk"): an
 * operation holds its partitions' locks from the moment it changes their memory until its write
 * committed (or the partitions were reloaded after it failed), so that the next operation on a
 * partition starts from state that is on disk. Locks are taken in key order, so operations on
 * several partitions (a batch of acknowledgements) never deadlock. An operation whose
 * partitions are all free starts synchronously, within the call.
 */
export class PartitionLocks {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private idleWaiters: Array<() => void> = [];

  /** Runs `operation` holding the locks of `keys`; resolves or rejects as it does. */
  run<T>(keys: readonly string[], operation: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    if (sorted.every((key) => !this.held.has(key))) {
      for (const key of sorted) this.held.add(key);
      return this.runHolding(sorted, operation);
    }
    return (async () => {
      for (const key of sorted) await this.lock(key);
      return this.runHolding(sorted, operation);
    })();
  }

  /** Resolves once no operation holds any lock (at once when none does). */
  whenIdle(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True while some operation holds `key`. */
  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  private runHolding<T>(keys: readonly string[], operation: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = operation();
    } catch (error) {
      this.unlock(keys);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return result.finally(() => this.unlock(keys));
  }

  private lock(key: string): Promise<void> {
    if (!this.held.has(key)) {
      this.held.add(key);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push(resolve);
      else this.waiting.set(key, [resolve]);
    });
  }

  /** Hands each lock to its next waiter (it stays held), or frees it. */
  private unlock(keys: readonly string[]): void {
    for (const key of keys) {
      const queue = this.waiting.get(key);
      const next = queue?.shift();
      if (queue && queue.length === 0) this.waiting.delete(key);
      if (next) next();
      else this.held.delete(key);
    }
    if (this.held.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
