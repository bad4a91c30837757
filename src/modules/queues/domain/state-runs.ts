import { InFlightRecord } from './in-flight-record';
import { isTerminal, RECORD_STATES, RecordState } from './record-state';

/**
 * A run of contiguous offsets `[firstOffset, lastOffset]` of one share partition with the same
 * state, delivery count, holder, token and deadlines: how share state is written (KIP-932's
 * state batches). One acquisition gives all its records one token, so that the records of one
 * receive form one run; a receipt still names one delivery, because it names the offset too.
 */
export interface StateRun {
  firstOffset: number;
  lastOffset: number;
  state: RecordState;
  deliveryCount: number;
  memberId: string | null;
  token: string | null;
  acquiredAtMs: number | null;
  lockExpiresAtMs: number | null;
  availableAtMs: number | null;
}

/**
 * What a record contributes to a run. A terminal record keeps only its state and delivery
 * count: nothing can acknowledge it any more, so its last token and lock times are dropped and
 * the records that a batch of accepts finished join one run.
 */
function runFields(r: InFlightRecord): Omit<StateRun, 'firstOffset' | 'lastOffset'> {
  const terminal = isTerminal(r.state);
  return {
    state: r.state,
    deliveryCount: r.deliveryCount,
    memberId: terminal ? null : r.memberId,
    token: terminal ? null : r.token,
    acquiredAtMs: terminal ? null : r.acquiredAtMs,
    lockExpiresAtMs: terminal ? null : r.lockExpiresAtMs,
    availableAtMs: terminal ? null : r.availableAtMs,
  };
}

const sameFields = (
  a: Omit<StateRun, 'firstOffset' | 'lastOffset'>,
  b: Omit<StateRun, 'firstOffset' | 'lastOffset'>,
): boolean =>
  a.state === b.state &&
  a.deliveryCount === b.deliveryCount &&
  a.memberId === b.memberId &&
  a.token === b.token &&
  a.acquiredAtMs === b.acquiredAtMs &&
  a.lockExpiresAtMs === b.lockExpiresAtMs &&
  a.availableAtMs === b.availableAtMs;

/**
 * Groups records into runs: records at contiguous offsets with the same fields share a run.
 * The records may come in any order; the runs come in offset order.
 */
export function toStateRuns(records: readonly InFlightRecord[]): StateRun[] {
  const sorted = [...records].sort((a, b) => a.offset - b.offset);
  const runs: StateRun[] = [];
  let current: StateRun | undefined;
  for (const record of sorted) {
    const fields = runFields(record);
    if (current && current.lastOffset + 1 === record.offset && sameFields(current, fields)) {
      current.lastOffset = record.offset;
      continue;
    }
    current = { firstOffset: record.offset, lastOffset: record.offset, ...fields };
    runs.push(current);
  }
  return runs;
}

/** The records a list of runs describes, one per offset, in offset order. */
export function fromStateRuns(runs: readonly StateRun[]): InFlightRecord[] {
  const records: InFlightRecord[] = [];
  const sorted = [...runs].sort((a, b) => a.firstOffset - b.firstOffset);
  for (const run of sorted) {
    const { firstOffset, lastOffset, ...fields } = run;
    for (let offset = firstOffset; offset <= lastOffset; offset++)
      records.push({ offset, ...fields });
  }
  return records;
}

/** Reads a stored state number back as a `RecordState` (stored runs carry plain numbers). */
export function asRecordState(state: number): RecordState {
  if (!RECORD_STATES.includes(state as RecordState))
    throw new Error(`unknown share record state ${state}`);
  return state as RecordState;
}
