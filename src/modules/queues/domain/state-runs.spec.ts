import { NO_BACKOFF } from './backoff';
import { InFlightRecord } from './in-flight-record';
import { RecordState } from './record-state';
import { SharePartition } from './share-partition';
import { fromStateRuns, toStateRuns } from './state-runs';

const LOCK = 30_000;

const acquired = (offset: number, token: string, deliveryCount = 1): InFlightRecord => ({
  offset,
  state: RecordState.ACQUIRED,
  deliveryCount,
  memberId: 'm1',
  token,
  acquiredAtMs: 1000,
  lockExpiresAtMs: 1000 + LOCK,
  availableAtMs: null,
});

const partition = () =>
  new SharePartition(
    {
      maxDeliveryCount: 5,
      maxInFlightRecords: 2000,
      maxLockMs: 12 * 3600_000,
      backoff: NO_BACKOFF,
    },
    { startOffset: 0, endOffset: 0, records: [] },
  );

let tokens = 0;
const issueToken = () => `r${(tokens++).toString(16).padStart(8, '0')}`;

describe('share state runs', () => {
  it('writes the records of one acquisition as one run', () => {
    const sp = partition();
    sp.acquire('m1', 100, 0, 100, 1000, LOCK, issueToken);
    const { runs } = sp.takeChanges();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      firstOffset: 0,
      lastOffset: 99,
      state: RecordState.ACQUIRED,
      deliveryCount: 1,
      memberId: 'm1',
      lockExpiresAtMs: 1000 + LOCK,
    });
  });

  it('starts a new run at a gap or where the state, delivery count or token changes', () => {
    const runs = toStateRuns([
      acquired(5, 'a'),
      acquired(3, 'a'),
      acquired(4, 'a'),
      acquired(7, 'a'), // a gap at 6
      acquired(8, 'b'), // another acquisition
      acquired(9, 'b', 2), // a redelivery
      { ...acquired(10, 'b', 2), state: RecordState.AVAILABLE, memberId: null },
    ]);
    expect(runs.map((r) => [r.firstOffset, r.lastOffset])).toEqual([
      [3, 5],
      [7, 7],
      [8, 8],
      [9, 9],
      [10, 10],
    ]);
  });

  it('joins acknowledged records of different deliveries into one run', () => {
    const done = (offset: number, token: string): InFlightRecord => ({
      ...acquired(offset, token),
      state: RecordState.ACKNOWLEDGED,
      memberId: null,
      lockExpiresAtMs: null,
      acquiredAtMs: offset,
    });
    const runs = toStateRuns([done(1, 'a'), done(2, 'b'), done(3, 'c')]);
    expect(runs).toEqual([
      {
        firstOffset: 1,
        lastOffset: 3,
        state: RecordState.ACKNOWLEDGED,
        deliveryCount: 1,
        memberId: null,
        token: null,
        acquiredAtMs: null,
        lockExpiresAtMs: null,
        availableAtMs: null,
      },
    ]);
  });

  it('gives back every record of its runs, one per offset', () => {
    const records = [acquired(3, 'a'), acquired(4, 'a'), acquired(6, 'b', 3)];
    expect(fromStateRuns(toStateRuns(records))).toEqual(records);
  });

  it('restores a partition from its runs so that every receipt of an acquisition still holds', () => {
    const sp = partition();
    const got = sp.acquire('m1', 3, 0, 3, 1000, LOCK, issueToken);
    const changes = sp.takeChanges();
    const restored = new SharePartition(
      {
        maxDeliveryCount: 5,
        maxInFlightRecords: 2000,
        maxLockMs: 12 * 3600_000,
        backoff: NO_BACKOFF,
      },
      { startOffset: 0, endOffset: changes.endOffset, records: fromStateRuns(changes.runs) },
    );
    for (const r of got) {
      expect(
        restored.acknowledge({ offset: r.offset, token: r.token!, type: 'accept' }, 2000, LOCK, [])
          .ok,
      ).toBe(true);
    }
    expect(restored.start).toBe(3);
  });
});
