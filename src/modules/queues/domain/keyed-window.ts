import { InFlightRecord } from './in-flight-record';
import { KEY_WAITING_PER_WINDOW, KeyOrder, MAX_KEY_WAITING, OrderingKey } from './key-order';
import { RecordState } from './record-state';
import { RecordWindow } from './record-window';
import type { KeyOrderCounts } from './share-partition-types';

/** The key of the record at an offset, as the shell read it from the log (undefined: unknown). */
export type KeyLookup = (offset: number) => OrderingKey | null | undefined;

/**
 * A record window that knows, with ordering `key`, the key of each pending record (`KeyOrder`):
 * which records a receive may take, and how far it may fetch. Records waiting on their key do
 * not take room in the window (`maxInFlightRecords` counts the others): they are held beside
 * it, up to `KEY_WAITING_PER_WINDOW` times its size, so that one key's backlog never keeps
 * other keys from being fetched, and memory stays bounded.
 */
export abstract class KeyedWindow extends RecordWindow {
  protected readonly keyOrder = new KeyOrder();

  /** True when the group orders records by key. */
  abstract get keyOrdered(): boolean;

  protected abstract get maxInFlightRecords(): number;

  /**
   * True when `acquire` could fetch new offsets below `logEndOffset` now. With ordering `key`
   * it then needs their keys from `end` on.
   */
  canFetch(logEndOffset: number): boolean {
    return this.end < logEndOffset && this.hasRoom() && this.keysKnown();
  }

  /**
   * At most how many new offsets `acquire` could fetch now (the room in the window, plus with
   * ordering `key` the room for records waiting on their key): no point reading keys past it.
   */
  fetchRoom(): number {
    const max = this.maxInFlightRecords;
    if (!this.keyOrdered) return Math.max(0, max - this.pending.size);
    const waiting = this.keyOrder.waiting;
    const inWindow = this.pending.size - waiting;
    return Math.max(0, max - inWindow) + Math.max(0, this.maxWaiting() - waiting);
  }

  /** Pending offsets whose key is not known yet (ordering `key`; after a load), ascending. */
  unknownKeys(): number[] {
    if (!this.keyOrdered || this.keysKnown()) return [];
    return [...this.pending.keys()].filter((offset) => !this.keyOrder.knows(offset));
  }

  /** The keys of pending records, as the log holds them (null: no key). */
  learnKeys(keys: Iterable<readonly [number, OrderingKey | null]>): void {
    for (const [offset, key] of keys)
      if (this.pending.has(offset)) this.keyOrder.learn(offset, key);
  }

  /** Records waiting on their key, and keys with a record not finished. */
  keyOrderCounts(): KeyOrderCounts {
    if (!this.keyOrdered) return { waiting: 0, keysInFlight: 0 };
    return { waiting: this.keyOrder.waiting, keysInFlight: this.keyOrder.keysInFlight };
  }

  /**
   * The pending records a receive may take when due: all of them, or with ordering `key` those
   * that do not wait on their key (none while some keys are not known).
   */
  protected candidates(): Iterable<InFlightRecord> {
    if (!this.keyOrdered) return this.pending.values();
    if (!this.keysKnown()) return [];
    return [...this.keyOrder.heads].map((offset) => this.pending.get(offset)!);
  }

  /**
   * Fetches the record at `end` when there is room: answers it when a receive may take it,
   * null when it waits on its key (it is fetched all the same), undefined when nothing was
   * fetched (no room, the log end, or its key not in `keyOf`).
   */
  protected fetchOne(
    logEndOffset: number,
    keyOf: KeyLookup | undefined,
  ): InFlightRecord | null | undefined {
    if (this.end >= logEndOffset || !this.hasRoom()) return undefined;
    if (!this.keyOrdered) return this.fetchNext();
    const key = keyOf?.(this.end);
    if (key === undefined || !this.keysKnown()) return undefined;
    const waits = this.keyOrder.wouldWait(key);
    const record = this.fetchNext();
    this.keyOrder.learn(record.offset, key);
    if (!waits) return record;
    this.touch(record);
    return null;
  }

  /** Room to fetch: see the class comment. */
  protected hasRoom(): boolean {
    const max = this.maxInFlightRecords;
    if (!this.keyOrdered) return this.pending.size < max;
    const waiting = this.keyOrder.waiting;
    return this.pending.size - waiting < max && waiting < this.maxWaiting();
  }

  private maxWaiting(): number {
    return Math.min(this.maxInFlightRecords * KEY_WAITING_PER_WINDOW, MAX_KEY_WAITING);
  }

  protected keysKnown(): boolean {
    return this.keyOrder.known === this.pending.size;
  }

  override resetTo(offset: number): void {
    super.resetTo(offset);
    this.keyOrder.clear();
  }

  protected override skipTo(logStartOffset: number): InFlightRecord[] | false {
    const dropped = super.skipTo(logStartOffset);
    if (dropped !== false) for (const record of dropped) this.keyOrder.forget(record.offset);
    return dropped;
  }

  protected override finish(record: InFlightRecord, state: RecordState): void {
    super.finish(record, state);
    this.keyOrder.forget(record.offset);
  }
}
