import type { ShareGroupRow, TopicConfig, TopicRow } from './rows';
import type { SharePartitionWrite } from './share-storage';

/** A share partition's first write, before its group has an id. */
export type InitialSharePartition = Omit<SharePartitionWrite, 'groupId'>;

/** Thrown by `createTopic` and `createShareGroup` when the name is taken. */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError';

  constructor(readonly taken: string) {
    super(`'${taken}' exists`);
  }
}

/** Topics and share groups: what exists, with its settings. */
export interface CatalogueStorage {
  /** Every topic, by name. */
  listTopics(): Promise<TopicRow[]>;

  /** Creates a topic with empty partitions at offset 0; `NameTakenError` when it exists. */
  createTopic(
    name: string,
    partitions: number,
    config: TopicConfig,
    createdAtMs: number,
  ): Promise<TopicRow>;

  /** Grows a topic to `partitions` (never shrinks) and replaces its config. */
  alterTopic(topicId: number, partitions: number, config: TopicConfig): Promise<void>;

  /**
   * Deletes a topic with its records and everything that refers to its partitions: share
   * partition state, dead-letter index rows and committed offsets.
   */
  deleteTopic(topicId: number): Promise<void>;

  /** Every share group, by name. */
  listShareGroups(): Promise<ShareGroupRow[]>;

  /**
   * The highest share-group id ever issued, deleted groups included (0 before the first): ids
   * never repeat, so a receipt naming an id at or below it whose group is gone names a deleted
   * group.
   */
  lastShareGroupId(): Promise<number>;

  /** Creates a share group with its first share partitions; `NameTakenError` when it exists. */
  createShareGroup(
    name: string,
    config: string,
    createdAtMs: number,
    partitions: readonly InitialSharePartition[],
  ): Promise<ShareGroupRow>;

  /** Replaces a share group's config and adds share partitions, in one transaction. */
  alterShareGroup(
    groupId: number,
    config: string,
    partitions: readonly InitialSharePartition[],
  ): Promise<void>;

  /** Deletes a share group with all of its share partitions and state. */
  deleteShareGroup(groupId: number): Promise<void>;
}
