/**
 * A partition as a consumer group sees it. The topic's internal id is part of its identity, so
 * a deleted and re-created topic is new to the group: it has a new log and no committed offsets.
 */
export interface GroupPartition {
  topicId: number;
  topic: string;
  partition: number;
}

/** A partition as the API names it in assignments and offsets. */
export interface AssignedPartition {
  topic: string;
  partition: number;
}

/** The key a group files a partition under: the same as the log's wake-up key. */
export const groupPartitionKey = (p: { topicId: number; partition: number }): string =>
  `${p.topicId}:${p.partition}`;

/** Orders partitions by topic name, then partition number. */
export function comparePartitions(a: AssignedPartition, b: AssignedPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** The API's view of `partitions`, sorted. */
export function toAssignment(partitions: Iterable<GroupPartition>): AssignedPartition[] {
  return [...partitions]
    .map((p) => ({ topic: p.topic, partition: p.partition }))
    .sort(comparePartitions);
}
