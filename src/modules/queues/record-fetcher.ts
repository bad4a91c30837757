import { Inject, Injectable } from '@nestjs/common';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicRow } from '../../persistence/topic.store';
import { decodeRecord, RecordView } from '../topics/domain/record-codec';

/** Reads the records at given offsets of one partition, one range query per contiguous run. */
@Injectable()
export class RecordFetcher {
  constructor(@Inject(RecordLogStore) private readonly log: RecordLogStore) {}

  fetch(topic: TopicRow, partition: number, offsets: readonly number[]): Map<number, RecordView> {
    const sorted = [...offsets].sort((a, b) => a - b);
    const found = new Map<number, RecordView>();
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      const from = sorted[i]!;
      for (const stored of this.log.read(topic.id, partition, from, sorted[j]! - from + 1)) {
        found.set(stored.offset, decodeRecord(topic.name, partition, stored));
      }
      i = j + 1;
    }
    return found;
  }
}
