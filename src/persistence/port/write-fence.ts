/** The lease a write to one partition is fenced with: the owner node and the epoch it holds. */
export interface FenceToken {
  nodeId: string;
  epoch: number;
}

/**
 * Answers the lease this node writes `topicId`/`partition` with (DESIGN §7 "Ownership"), set
 * by the cluster runtime when it starts. It throws (`NotPartitionOwnerError`, code
 * `NOT_PARTITION_OWNER`) when this node does not serve the partition now, and answers null when
 * writes are not fenced (a single node). Called inside the write's transaction, so a retried
 * transaction is fenced with the epoch of its own attempt.
 */
export type WriteFence = (topicId: number, partition: number) => FenceToken | null;
