import { api, path } from './api';
import type { RecordPage } from './types';

/**
 * The first offset of a partition whose record is at or after `timestampMs`, found by binary
 * search with one-record reads (about 20 reads for a million records), assuming timestamps grow
 * with offsets as producers normally send them. The log end when no record is that late.
 */
export async function offsetAtTime(
  readPath: string,
  logStartOffset: number,
  logEndOffset: number,
  timestampMs: number,
): Promise<number> {
  let low = logStartOffset;
  let high = logEndOffset;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const page = await api<RecordPage>('GET', `${readPath}?offset=${middle}&maxRecords=1`);
    const record = page.records[0];
    if (!record) {
      // Deleted by retention meanwhile: search above the new log start.
      low = Math.max(middle + 1, page.logStartOffset);
      continue;
    }
    if (record.timestampMs < timestampMs) low = record.offset + 1;
    else high = middle;
  }
  return low;
}

/** The read path of one partition of a topic. */
export function partitionRecordsPath(topic: string, partition: number): string {
  return path('topics', topic, 'partitions', partition, 'records');
}
