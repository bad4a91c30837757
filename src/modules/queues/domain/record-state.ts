/** The state of one record in a share partition; the numbers are Kafka's persisted ids. */
export const RecordState = {
  AVAILABLE: 0,
  ACQUIRED: 1,
  ACKNOWLEDGED: 2,
  ARCHIVED: 4,
} as const;
export type RecordState = (typeof RecordState)[keyof typeof RecordState];

export const RECORD_STATES: readonly RecordState[] = Object.values(RecordState);

/** The one transition table: the states each state may move to. Terminal states have none. */
const ALLOWED: Record<RecordState, readonly RecordState[]> = {
  [RecordState.AVAILABLE]: [RecordState.ACQUIRED],
  [RecordState.ACQUIRED]: [RecordState.AVAILABLE, RecordState.ACKNOWLEDGED, RecordState.ARCHIVED],
  [RecordState.ACKNOWLEDGED]: [],
  [RecordState.ARCHIVED]: [],
};

export function canTransition(from: RecordState, to: RecordState): boolean {
  return ALLOWED[from].includes(to);
}

/** True for ACKNOWLEDGED and ARCHIVED: nothing leaves them. */
export function isTerminal(state: RecordState): boolean {
  return ALLOWED[state].length === 0;
}

/** Thrown when code attempts a move the table forbids: a bug, never a client error. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: RecordState,
    readonly to: RecordState,
  ) {
    super(`illegal record state transition ${stateName(from)} -> ${stateName(to)}`);
  }
}

export function assertTransition(from: RecordState, to: RecordState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function stateName(state: RecordState): string {
  return Object.entries(RecordState).find(([, v]) => v === state)?.[0] ?? String(state);
}
