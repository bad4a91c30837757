import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RecordPage } from '../../persistence/port/log-storage';
import { Storage } from '../../persistence/port/storage';
import { InFlightRecord } from './domain/in-flight-record';
import { OrderingKey } from './domain/key-order';
import { SharePartition } from './domain/share-partition';

/** Acquires from a share partition given the keys of new offsets (undefined: none known). */
export type AcquireSome = (
  maxRecords: number,
  keyOf: ((offset: number) => OrderingKey | null | undefined) | undefined,
) => InFlightRecord[];

/** Records whose keys one read of the log brings, at most. */
const MAX_LOOKAHEAD = 1000;
/** Fewest records read ahead (a small receive still looks past a few waiting records). */
const MIN_LOOKAHEAD = 100;
/** Bytes of records one read brings, at most (always at least one record). */
const LOOKAHEAD_BYTES = 4 << 20;

/**
 * Acquisition for share groups with ordering `key` (holding the partition): the keys of pending
 * records not known yet (after a start, a reload or a settings change) are read from the log
 * first; then new offsets are read ahead, a page at a time, and fetched with their keys until
 * `maxRecords` are acquired or nothing more can be fetched. Pages are read on, so that records
 * waiting on their key never make a receive come back empty (and wait) while a later record of
 * another key could be delivered.
 */
@Injectable()
export class ShareKeyReader {
  private readonly logger = new Logger('ShareKeyReader');

  constructor(@Inject(Storage) private readonly storage: Storage) {}

  /** Acquires; the pages read ahead are added to `ahead` (see `pageOf`). */
  async acquire(
    state: SharePartition,
    topicId: number,
    partition: number,
    maxRecords: number,
    logEndOffset: number,
    acquireSome: AcquireSome,
    ahead: RecordPage[],
  ): Promise<InFlightRecord[]> {
    await this.learnPending(state, topicId, partition);
    const acquired = acquireSome(maxRecords, undefined);
    // Each round fetches at least one offset or ends; the window and the bound on waiting
    // records end the rounds long before this cap.
    for (let round = 0; round < 100_000; round++) {
      if (acquired.length >= maxRecords || !state.canFetch(logEndOffset)) break;
      const from = state.end;
      const wanted = Math.max(MIN_LOOKAHEAD, 2 * (maxRecords - acquired.length));
      const count = Math.min(logEndOffset - from, wanted, state.fetchRoom(), MAX_LOOKAHEAD);
      let page: RecordPage;
      try {
        page = await this.storage.log.readPage(topicId, partition, from, count, LOOKAHEAD_BYTES);
      } catch (error) {
        // What was fetched so far is written and served; the next receive reads on.
        this.logger.warn(`reading keys of ${topicId}/${partition} failed: ${String(error)}`);
        break;
      }
      ahead.push(page);
      const keys = pageKeys(page);
      acquired.push(...acquireSome(maxRecords - acquired.length, (offset) => keys.get(offset)));
      if (state.end === from) break;
    }
    return acquired;
  }

  /**
   * The records at `offsets` as one page in offset order: those in the pages just read ahead
   * taken from them, the others read from the log (records are immutable: either is the same).
   */
  async pageOf(
    topicId: number,
    partition: number,
    unsorted: readonly number[],
    ahead: readonly RecordPage[],
  ): Promise<RecordPage> {
    const offsets = [...unsorted].sort((a, b) => a - b);
    const found = new Map<number, [RecordPage, number]>();
    for (const page of ahead)
      for (let i = 0; i < page.count; i++) found.set(page.offsets[i]!, [page, i]);
    const missing = offsets.filter((offset) => !found.has(offset));
    if (missing.length === offsets.length)
      return this.storage.log.readOffsets(topicId, partition, offsets);
    if (missing.length > 0) {
      const rest = await this.storage.log.readOffsets(topicId, partition, missing);
      for (let i = 0; i < rest.count; i++) found.set(rest.offsets[i]!, [rest, i]);
    }
    const entries = offsets.map((offset) => found.get(offset));
    return pickRecords(entries.filter((e): e is [RecordPage, number] => e !== undefined));
  }

  /** Reads the keys of the pending records the share partition does not know. */
  private async learnPending(
    state: SharePartition,
    topicId: number,
    partition: number,
  ): Promise<void> {
    const unknown = state.unknownKeys();
    if (unknown.length === 0) return;
    const last = unknown[unknown.length - 1]!;
    let from = unknown[0]!;
    for (let round = 0; round < 100_000 && from <= last; round++) {
      const count = Math.min(last - from + 1, MAX_LOOKAHEAD);
      const page = await this.storage.log.readPage(
        topicId,
        partition,
        from,
        count,
        LOOKAHEAD_BYTES,
      );
      if (page.count === 0) break;
      state.learnKeys(pageKeys(page));
      from = page.offsets[page.count - 1]! + 1;
    }
  }
}

/** The key hash of each record of `page` by offset (null for a record without a key). */
function pageKeys(page: RecordPage): Map<number, OrderingKey | null> {
  const keys = new Map<number, OrderingKey | null>();
  for (let i = 0; i < page.count; i++) {
    const hash = page.keyHashes[i]!;
    keys.set(page.offsets[i]!, Number.isNaN(hash) ? null : hash);
  }
  return keys;
}

/** One page of the given records (page and index, in offset order). */
function pickRecords(entries: ReadonlyArray<readonly [RecordPage, number]>): RecordPage {
  const count = entries.length;
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const sizes = new Float64Array(count);
  const keyHashes = new Float64Array(count);
  const wireStarts = new Uint32Array(count + 1);
  entries.forEach(([page, i], n) => {
    offsets[n] = page.offsets[i]!;
    timestamps[n] = page.timestamps[i]!;
    sizes[n] = page.sizes[i]!;
    keyHashes[n] = page.keyHashes[i]!;
    wireStarts[n + 1] = wireStarts[n]! + page.wireStarts[i + 1]! - page.wireStarts[i]!;
  });
  const wire = Buffer.allocUnsafe(wireStarts[count]!);
  entries.forEach(([page, i], n) =>
    page.wire.copy(wire, wireStarts[n], page.wireStarts[i], page.wireStarts[i + 1]),
  );
  return { count, offsets, timestamps, sizes, keyHashes, wireStarts, wire };
}
