/** What retention needs to know of each record at the head of a partition. */
export interface HeadRecord {
  offset: number;
  timestampMs: number;
  sizeBytes: number;
}

/** A topic's retention limits; -1 disables a limit. */
export interface RetentionLimits {
  retentionMs: number;
  retentionBytes: number;
}

/** How far to move the log start offset, and how many bytes that frees. */
export interface RetentionStep {
  newStartOffset: number;
  bytesRemoved: number;
  recordsRemoved: number;
}

/**
 * Decides which records at the head of a partition retention deletes: the contiguous prefix of
 * records older than `retentionMs`, or as many as are needed to bring the partition's bytes down
 * to `retentionBytes`. Deletion is from the head only, so offsets stay dense above the start.
 * `head` is a prefix of the partition in offset order, starting at `logStartOffset`.
 */
export function planRetention(
  head: readonly HeadRecord[],
  logStartOffset: number,
  partitionBytes: number,
  nowMs: number,
  limits: RetentionLimits,
): RetentionStep {
  const cutoffMs = limits.retentionMs >= 0 ? nowMs - limits.retentionMs : -Infinity;
  let newStartOffset = logStartOffset;
  let bytesRemoved = 0;
  let recordsRemoved = 0;
  for (const record of head) {
    const expired = record.timestampMs < cutoffMs;
    const oversize =
      limits.retentionBytes >= 0 && partitionBytes - bytesRemoved > limits.retentionBytes;
    if (!expired && !oversize) break;
    newStartOffset = record.offset + 1;
    bytesRemoved += record.sizeBytes;
    recordsRemoved += 1;
  }
  return { newStartOffset, bytesRemoved, recordsRemoved };
}
