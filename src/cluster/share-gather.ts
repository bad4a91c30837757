/** One node's part of a gathered receive: its owner's records, acquired there. */
export interface GatherSource<R> {
  /** Node id, for logs and metrics ('' for this node). */
  nodeId: string;
  /**
   * Acquires up to `maxRecords` at this source, waiting up to `waitMs` when none is
   * deliverable; `signal` ends a wait that is no longer needed (answered empty).
   */
  receive(maxRecords: number, waitMs: number, signal: AbortSignal): Promise<R>;
}

/** What a gatherer needs to know of an answer. */
export interface GatherCounting<R> {
  count(result: R): number;
  /** Called for a source that failed; the others' records are still answered. */
  failed?(source: string, error: unknown): void;
  /**
   * Called with records a source acquired after another source had ended the wait (they are
   * not answered): the caller may give them back at once. Without it they stay locked until
   * their lock expires.
   */
  late?(result: R): void;
}

/** Sources in a rotating order, so that no owner is always asked first. */
export function rotate<T>(items: readonly T[], start: number): T[] {
  if (items.length === 0) return [];
  const first = ((start % items.length) + items.length) % items.length;
  return [...items.slice(first), ...items.slice(0, first)];
}

/**
 * A share-group receive across the owners of the group's partitions (DESIGN §7 "Routing"):
 * first each source in turn, without waiting, for what is still missing of `maxRecords`; when
 * that gives nothing and the caller may wait, every source long-polls at once (the wait happens
 * at the owners, woken by their own commits) and the first that answers with records ends the
 * receive: the others are told to stop (`signal`) and answer empty. A record acquired by a
 * source in the instant between its wake-up and that signal is handed to `counting.late`, or,
 * without it, not lost: its lock expires and it is delivered again (`deliveryCount` + 1). A
 * failed source is skipped (reported through `failed`); when every source failed, in the first
 * round or in the wait, the first failure is thrown (the caller is not answered empty at once,
 * as if it had waited). `signal` (the caller's) ends the receive early: the sources are told to
 * stop and what was gathered so far is answered.
 */
export async function gatherReceive<R>(
  sources: ReadonlyArray<GatherSource<R>>,
  maxRecords: number,
  waitMs: number,
  counting: GatherCounting<R>,
  signal: AbortSignal = new AbortController().signal,
): Promise<R[]> {
  const got: R[] = [];
  let count = 0;
  let failures = 0;
  let firstError: unknown;
  for (const source of sources) {
    if (count >= maxRecords || signal.aborted) break;
    try {
      const result = await source.receive(maxRecords - count, 0, signal);
      const n = counting.count(result);
      if (n > 0) {
        got.push(result);
        count += n;
      }
    } catch (error) {
      failures += 1;
      firstError ??= error;
      counting.failed?.(source.nodeId, error);
    }
  }
  // every owner failed: no wait (that would fail again at once), the failure is the answer
  if (failures === sources.length && sources.length > 0) throw firstError;
  if (count > 0 || waitMs <= 0 || sources.length === 0 || signal.aborted) return got;
  const stop = new AbortController();
  const stopAll = (): void => stop.abort();
  signal.addEventListener('abort', stopAll, { once: true });
  let waitFailures = 0;
  let firstWaitError: unknown;
  try {
    const first = await firstWith(
      sources.map(async (source) => {
        try {
          const result = await source.receive(maxRecords, waitMs, stop.signal);
          if (counting.count(result) > 0) return result;
        } catch (error) {
          if (!stop.signal.aborted) {
            waitFailures += 1;
            firstWaitError ??= error;
            counting.failed?.(source.nodeId, error);
          }
        }
        return undefined;
      }),
      (result) => counting.late?.(result),
    );
    // every wait failed (nothing waited): a caller in a loop must not come back at once
    if (first === undefined && waitFailures === sources.length) throw firstWaitError;
    return first === undefined ? [] : [first];
  } finally {
    stop.abort();
    signal.removeEventListener('abort', stopAll);
  }
}

/**
 * The first promise to resolve with a value, or undefined when all resolve without one; the
 * values of the others that resolve later go to `late`.
 */
function firstWith<R>(
  promises: Array<Promise<R | undefined>>,
  late: (value: R) => void,
): Promise<R | undefined> {
  return new Promise((resolve) => {
    let left = promises.length;
    let decided = false;
    if (left === 0) resolve(undefined);
    for (const promise of promises) {
      void promise.then((value) => {
        left -= 1;
        if (value !== undefined) {
          if (decided) late(value);
          else {
            decided = true;
            resolve(value);
          }
        } else if (left === 0 && !decided) {
          decided = true;
          resolve(undefined);
        }
      });
    }
  });
}
