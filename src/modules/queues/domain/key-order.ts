/**
 * How a share group orders the records of a partition among its workers: `none` hands out any
 * record at once; `key` never hands out a record while an earlier record with the same key in
 * its partition is not finished (records with a null key are unordered).
 */
export const Ordering = {
  NONE: 'none',
  KEY: 'key',
} as const;
export type Ordering = (typeof Ordering)[keyof typeof Ordering];

/**
 * A record's key as ordering compares it: equal keys compare equal (the storage hands out a hash
 * of the key's bytes; tests use strings). Null: the record has no key.
 */
export type OrderingKey = string | number;

/**
 * Records waiting on their key, at most this many times `maxInFlightRecords` per share
 * partition (and never more than `MAX_KEY_WAITING`): they are held beside the window, so that
 * one key's backlog never takes the room other keys need, yet memory stays bounded.
 */
export const KEY_WAITING_PER_WINDOW = 10;
export const MAX_KEY_WAITING = 100_000;

/**
 * The keys of a share partition's pending (AVAILABLE or ACQUIRED) records. A keyed record is the
 * *head* of its key when no pending record of the same key has a lower offset; every other keyed
 * record waits on its key. Since records below the start offset are all terminal and records
 * above the window's end were never delivered, "an earlier record of the same key is not
 * finished" is exactly "the record is not the head of its key": the rule follows from the
 * persisted states alone, and a restart only has to learn the keys again (they are in the log).
 */
export class KeyOrder {
  /** Key of each pending record whose key is known (null: no key). */
  private readonly keys = new Map<number, OrderingKey | null>();
  /** The pending offsets of each key, ascending; the first is the key's head. */
  private readonly queues = new Map<OrderingKey, number[]>();
  /**
   * The pending records that do not wait: heads of their key and records without a key. In
   * the order they became so (a key's next record joins when the one before it finishes).
   */
  readonly heads = new Set<number>();
  private keyed = 0;

  /** Records `offset` (pending) as having `key`; nothing changes if it is known already. */
  learn(offset: number, key: OrderingKey | null): void {
    if (this.keys.has(offset)) return;
    this.keys.set(offset, key);
    if (key === null) {
      this.heads.add(offset);
      return;
    }
    this.keyed += 1;
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, [offset]);
      this.heads.add(offset);
      return;
    }
    let at = queue.length;
    while (at > 0 && queue[at - 1]! > offset) at -= 1;
    queue.splice(at, 0, offset);
    if (at === 0) {
      this.heads.delete(queue[1]!);
      this.heads.add(offset);
    }
  }

  /** The record at `offset` left the pending records (finished, skipped or reset). */
  forget(offset: number): void {
    const key = this.keys.get(offset);
    if (key === undefined) return;
    this.keys.delete(offset);
    this.heads.delete(offset);
    if (key === null) return;
    this.keyed -= 1;
    const queue = this.queues.get(key)!;
    const at = queue[0] === offset ? 0 : queue.indexOf(offset);
    if (at === 0) queue.shift();
    else queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(key);
    else if (at === 0) this.heads.add(queue[0]!);
  }

  clear(): void {
    this.keys.clear();
    this.queues.clear();
    this.heads.clear();
    this.keyed = 0;
  }

  /** True when the key of the pending record at `offset` is known. */
  knows(offset: number): boolean {
    return this.keys.has(offset);
  }

  /** True when a record with `key` fetched now (after every pending record) would wait. */
  wouldWait(key: OrderingKey | null): boolean {
    return key !== null && this.queues.has(key);
  }

  /** Pending records whose key is known. */
  get known(): number {
    return this.keys.size;
  }

  /** Pending keyed records that are not the head of their key (they wait on it). */
  get waiting(): number {
    return this.keyed - this.queues.size;
  }

  /** Distinct keys with a pending record. */
  get keysInFlight(): number {
    return this.queues.size;
  }

  /** Copies what `previous` knew about the offsets `pending` holds (ascending). */
  adopt(previous: KeyOrder, pending: Iterable<number>): void {
    for (const offset of pending) {
      const key = previous.keys.get(offset);
      if (key !== undefined) this.learn(offset, key);
    }
  }
}
