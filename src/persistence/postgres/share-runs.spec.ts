import type { ShareStateBatch } from '../port/share-storage';
import { replaceRuns } from './share-runs';

const run = (firstOffset: number, lastOffset: number, state: number): ShareStateBatch => ({
  firstOffset,
  lastOffset,
  state,
  deliveryCount: 1,
  memberId: null,
  token: null,
  acquiredAtMs: null,
  lockExpiresAtMs: null,
  availableAtMs: null,
});

const spans = (runs: ShareStateBatch[]) => runs.map((r) => [r.firstOffset, r.lastOffset, r.state]);

describe('replaceRuns', () => {
  it.each([
    [
      'inside one run',
      [run(0, 9, 1)],
      [run(3, 4, 2)],
      [
        [0, 2, 1],
        [3, 4, 2],
        [5, 9, 1],
      ],
    ],
    [
      'across two runs',
      [run(0, 4, 1), run(5, 9, 3)],
      [run(3, 6, 2)],
      [
        [0, 2, 1],
        [3, 6, 2],
        [7, 9, 3],
      ],
    ],
    ['exactly one run', [run(0, 4, 1)], [run(0, 4, 2)], [[0, 4, 2]]],
    [
      'at the start of a run',
      [run(0, 4, 1)],
      [run(0, 1, 2)],
      [
        [0, 1, 2],
        [2, 4, 1],
      ],
    ],
    [
      'at the end of a run',
      [run(0, 4, 1)],
      [run(4, 4, 2)],
      [
        [0, 3, 1],
        [4, 4, 2],
      ],
    ],
    ['with nothing stored', [], [run(5, 6, 2)], [[5, 6, 2]]],
    [
      'where a later batch wins over an earlier one',
      [],
      [run(0, 5, 1), run(3, 8, 2)],
      [
        [0, 2, 1],
        [3, 8, 2],
      ],
    ],
  ])('replaces state %s', (_case, stored, incoming, expected) => {
    expect(spans(replaceRuns(stored, incoming))).toEqual(expected);
  });

  it('keeps holder, token and deadlines on the pieces of a split run', () => {
    const held = {
      ...run(0, 9, 1),
      memberId: 'm',
      token: 't',
      lockExpiresAtMs: 5,
      deliveryCount: 3,
    };
    const [before, , after] = replaceRuns([held], [run(4, 5, 2)]);
    expect(before).toEqual({ ...held, lastOffset: 3 });
    expect(after).toEqual({ ...held, firstOffset: 6 });
  });
});
