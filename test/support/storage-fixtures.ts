import { encodeWireRecord, servePage, type WireInput } from '../../src/common/record-wire';
import type { AppendRecord, RecordPage } from '../../src/persistence/port/log-storage';
import type { ShareStateBatch } from '../../src/persistence/port/share-storage';
import type { Storage } from '../../src/persistence/port/storage';
import type { TopicConfig, TopicRow } from '../../src/persistence/port/rows';

/** Helpers for the storage contract: records, topics, pages as the API serves them. */

export const CONFIG: TopicConfig = {
  retentionMs: 604_800_000,
  retentionBytes: -1,
  maxMessageBytes: 1_048_576,
};

/** A record to append, with `timestampMs` 1000 unless the input says otherwise. */
export const record = (input: WireInput, appendTimeMs = 1000): AppendRecord =>
  encodeWireRecord(input, appendTimeMs);

/** `count` records whose values are `{ n }` for n from `first`. */
export const numbered = (count: number, first = 0, timestampMs = 1000): AppendRecord[] =>
  Array.from({ length: count }, (_x, i) => record({ value: { n: first + i } }, timestampMs + i));

export const createTopic = (storage: Storage, name = 'orders', partitions = 3): Promise<TopicRow> =>
  storage.catalogue.createTopic(name, partitions, CONFIG, 1000);

/** A page as the API serves it: parsed records with topic, partition and offset. */
export const served = (
  page: RecordPage,
  topic = 't',
  partition = 0,
): Array<Record<string, unknown>> =>
  JSON.parse(servePage(topic, partition, page).toString('utf8')) as Array<Record<string, unknown>>;

/** The offsets of a page, as plain numbers. */
export const offsetsOf = (page: RecordPage): number[] => Array.from(page.offsets);

/** A share state batch with nothing held. */
export const batch = (
  firstOffset: number,
  lastOffset: number,
  state: number,
  deliveryCount = 1,
  more: Partial<ShareStateBatch> = {},
): ShareStateBatch => ({
  firstOffset,
  lastOffset,
  state,
  deliveryCount,
  memberId: null,
  token: null,
  acquiredAtMs: null,
  lockExpiresAtMs: null,
  availableAtMs: null,
  ...more,
});

/** Record states as the queues domain numbers them (Kafka's persisted ids). */
export const STATE = { AVAILABLE: 0, ACQUIRED: 1, ACKNOWLEDGED: 2, ARCHIVED: 4 } as const;
