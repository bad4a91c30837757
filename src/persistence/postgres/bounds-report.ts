import type { BoundsChange, PartitionBounds } from '../port/log-storage';

/** Where a PostgreSQL adapter part tells what a committed write changed in partition bounds. */
export type BoundsReport = (change: BoundsChange) => void;

export const NO_REPORT: BoundsReport = () => undefined;

/** What a write transaction answers, and what it changed in partition bounds. */
export interface Reported<T> {
  value: T;
  bounds?: PartitionBounds[];
  deletedTopicIds?: number[];
}

/**
 * Awaits a write transaction, reports its bounds change (only once it committed: a rejected one
 * reports nothing) and resolves with its value.
 */
export async function afterCommit<T>(
  report: BoundsReport,
  write: Promise<Reported<T>>,
): Promise<T> {
  const { value, bounds = [], deletedTopicIds = [] } = await write;
  report({ bounds, deletedTopicIds });
  return value;
}

/** Bounds columns as PostgreSQL returns them. */
export interface BoundsColumns {
  topic_id: number;
  partition: number;
  log_start_offset: number;
  log_end_offset: number;
  bytes: number;
}

export const toBounds = (c: BoundsColumns): PartitionBounds => ({
  topicId: c.topic_id,
  partition: c.partition,
  logStartOffset: c.log_start_offset,
  logEndOffset: c.log_end_offset,
  bytes: c.bytes,
});
