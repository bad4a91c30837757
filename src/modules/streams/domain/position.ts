import { AutoOffsetReset } from './group-member';

/** A partition's offsets: `logEndOffset` is the next offset to be written. */
export interface LogBounds {
  logStartOffset: number;
  logEndOffset: number;
}

/**
 * Where a member starts a partition it was given: at the group's committed offset, or, with
 * none, at `autoOffsetReset` (earliest: the log start; latest: the log end). The result is always
 * inside the log: a committed offset below the log start (retention deleted those records)
 * starts at the log start, one beyond the log end at the log end.
 */
export function startingOffset(
  committedOffset: number | undefined,
  autoOffsetReset: AutoOffsetReset,
  bounds: LogBounds,
): number {
  if (committedOffset !== undefined) return clampToLog(committedOffset, bounds);
  return autoOffsetReset === AutoOffsetReset.EARLIEST ? bounds.logStartOffset : bounds.logEndOffset;
}

/** `offset` moved into `[logStartOffset, logEndOffset]`. */
export function clampToLog(offset: number, bounds: LogBounds): number {
  return Math.min(Math.max(offset, bounds.logStartOffset), bounds.logEndOffset);
}
