import { LogBounds } from './position';

/** Where an operator moves a group's committed offsets. */
export type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestampMs: number };

export type ResetOutcome = { ok: true; offset: number } | { ok: false; message: string };

/**
 * The committed offset a reset sets in one partition: `earliest` is the log start, `latest` the
 * log end, `{ offset }` that offset if the log has it (the log end included), and
 * `{ timestampMs }` the first record at or after that time, or the log end if there is none.
 *
 * @param offsetAtTimestamp the caller's lookup of the first offset at or after `timestampMs`
 */
export function resetOffset(
  to: ResetTarget,
  bounds: LogBounds,
  offsetAtTimestamp: number | undefined,
): ResetOutcome {
  if (to === 'earliest') return { ok: true, offset: bounds.logStartOffset };
  if (to === 'latest') return { ok: true, offset: bounds.logEndOffset };
  if ('timestampMs' in to) return { ok: true, offset: offsetAtTimestamp ?? bounds.logEndOffset };
  if (to.offset < bounds.logStartOffset || to.offset > bounds.logEndOffset) {
    return {
      ok: false,
      message: `Offset ${to.offset} is outside [${bounds.logStartOffset}, ${bounds.logEndOffset}]`,
    };
  }
  return { ok: true, offset: to.offset };
}
