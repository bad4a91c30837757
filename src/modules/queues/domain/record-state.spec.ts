import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  RECORD_STATES,
  RecordState,
  stateName,
} from './record-state';

const { AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED } = RecordState;
const allowed = new Set([
  `${AVAILABLE}>${ACQUIRED}`,
  `${ACQUIRED}>${AVAILABLE}`,
  `${ACQUIRED}>${ACKNOWLEDGED}`,
  `${ACQUIRED}>${ARCHIVED}`,
]);
const pairs = RECORD_STATES.flatMap((from) =>
  RECORD_STATES.map(
    (to) => [stateName(from), stateName(to), from, to, allowed.has(`${from}>${to}`)] as const,
  ),
);

describe('record state transitions', () => {
  it('covers all sixteen pairs of the four states', () => {
    expect(pairs).toHaveLength(16);
  });

  it.each(pairs)('%s -> %s is allowed: %#', (_fromName, _toName, from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
    if (expected) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('treats exactly ACKNOWLEDGED and ARCHIVED as terminal', () => {
    expect(RECORD_STATES.filter(isTerminal)).toEqual([ACKNOWLEDGED, ARCHIVED]);
  });
});
