import type { ShareStateBatch } from '../port/share-storage';

/**
 * Replaces state runs: `stored` are the runs that overlap any of `incoming`; the result is what
 * must be stored instead of them: each incoming batch, in order (a later one wins where two
 * overlap), plus the pieces of the stored runs that no incoming batch covers, which keep their
 * state, count, holder and deadlines. Sorted by first offset; runs never overlap.
 */
export function replaceRuns(
  stored: readonly ShareStateBatch[],
  incoming: readonly ShareStateBatch[],
): ShareStateBatch[] {
  let runs: ShareStateBatch[] = stored.map((run) => ({ ...run }));
  for (const batch of incoming) {
    runs = cutOut(runs, batch.firstOffset, batch.lastOffset);
    runs.push({ ...batch });
  }
  return runs.sort((a, b) => a.firstOffset - b.firstOffset);
}

/** `runs` without the offsets `[first, last]`: runs that straddle a bound are split. */
function cutOut(runs: readonly ShareStateBatch[], first: number, last: number): ShareStateBatch[] {
  const kept: ShareStateBatch[] = [];
  for (const run of runs) {
    if (run.lastOffset < first || run.firstOffset > last) {
      kept.push(run);
      continue;
    }
    if (run.firstOffset < first) kept.push({ ...run, lastOffset: first - 1 });
    if (run.lastOffset > last) kept.push({ ...run, firstOffset: last + 1 });
  }
  return kept;
}
