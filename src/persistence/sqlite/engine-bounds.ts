import type BetterSqlite3 from 'better-sqlite3';
import type { RedriveItem } from '../port/dead-letter-storage';
import type { BoundsChange, PartitionAppend, PartitionBounds } from '../port/log-storage';
import type { TopicRow } from '../port/rows';
import type { DeadLetterAppend } from '../port/share-storage';

/** Partitions (and whole topics) a committed write changed the bounds of. */
export interface Touched {
  partitions: Array<readonly [topicId: number, partition: number]>;
  topics: number[];
  deletedTopicIds: number[];
}

const NOTHING: Touched = { partitions: [], topics: [], deletedTopicIds: [] };

/**
 * Which bounds a committed write of the engine changed, from its operation, arguments and answer:
 * created or grown topics, appends, truncations, dead-letter and redriven copies, deletions.
 */
export function touchedBy(operation: string, args: readonly unknown[], value: unknown): Touched {
  switch (operation) {
    case 'createTopic':
      return { ...NOTHING, topics: [(value as TopicRow).id] };
    case 'alterTopic':
      return { ...NOTHING, topics: [args[0] as number] };
    case 'deleteTopic':
      return { ...NOTHING, deletedTopicIds: [args[0] as number] };
    case 'append':
      return {
        ...NOTHING,
        partitions: (args[0] as readonly PartitionAppend[]).map(
          (b) => [b.topicId, b.partition] as const,
        ),
      };
    case 'truncateHead':
      return { ...NOTHING, partitions: [[args[0] as number, args[1] as number]] };
    case 'writeShares':
      return {
        ...NOTHING,
        partitions: (args[1] as readonly DeadLetterAppend[]).map(
          (d) => [d.target.topicId, d.target.partition] as const,
        ),
      };
    case 'redrive':
      return {
        ...NOTHING,
        partitions: (args[0] as readonly RedriveItem[]).map(
          (i) => [i.to.topicId, i.to.partition] as const,
        ),
      };
    default:
      return NOTHING;
  }
}

const SELECT_BOUNDS = `SELECT topic_id AS topicId, partition, log_start_offset AS logStartOffset,
  log_end_offset AS logEndOffset, bytes FROM partitions`;

/** Reads the current bounds of what a write touched, right after its commit. */
export class BoundsReader {
  private readonly one: BetterSqlite3.Statement<[number, number], PartitionBounds>;
  private readonly topic: BetterSqlite3.Statement<[number], PartitionBounds>;

  constructor(connection: BetterSqlite3.Database) {
    this.one = connection.prepare(`${SELECT_BOUNDS} WHERE topic_id = ? AND partition = ?`);
    this.topic = connection.prepare(`${SELECT_BOUNDS} WHERE topic_id = ? ORDER BY partition`);
  }

  read(touched: Touched): BoundsChange {
    const bounds: PartitionBounds[] = [];
    const seen = new Set<string>();
    for (const [topicId, partition] of touched.partitions) {
      const key = `${topicId}/${partition}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const row = this.one.get(topicId, partition);
      if (row) bounds.push(row);
    }
    for (const topicId of touched.topics) bounds.push(...this.topic.all(topicId));
    return { bounds, deletedTopicIds: touched.deletedTopicIds };
  }
}
