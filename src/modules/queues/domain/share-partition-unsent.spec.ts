import { NO_BACKOFF } from './backoff';
import { Archival } from './in-flight-record';
import { RecordState } from './record-state';
import { fromStateRuns } from './state-runs';
import { SharePartition } from './share-partition';

const LOCK = 30_000;
let tokenCounter = 0;
const issueToken = () => `u${(tokenCounter++).toString(16).padStart(8, '0')}`;

const partition = (maxDeliveryCount: number, backoff = NO_BACKOFF) =>
  new SharePartition(
    { maxDeliveryCount, maxInFlightRecords: 2000, maxLockMs: 12 * 3600_000, backoff },
    { startOffset: 0, endOffset: 0, records: [] },
  );

const deliveries = (records: ReadonlyArray<{ offset: number; token: string | null }>) =>
  records.map((r) => ({ offset: r.offset, token: r.token! }));

describe('SharePartition.releaseUnsent', () => {
  it('makes unsent records available at once with their delivery count restored', () => {
    const sp = partition(5, { kind: 'schedule', delaysMs: [60_000] });
    const got = sp.acquire('m1', 2, 0, 2, 1000, LOCK, issueToken);
    sp.takeChanges();
    const released = sp.releaseUnsent(deliveries(got));
    expect(released.map((r) => [r.offset, r.state, r.deliveryCount])).toEqual([
      [0, RecordState.AVAILABLE, 0],
      [1, RecordState.AVAILABLE, 0],
    ]);
    expect(fromStateRuns(sp.takeChanges().runs).map((r) => [r.offset, r.deliveryCount])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(sp.nextDeadline()).toBeNull();
    const again = sp.acquire('m2', 10, 0, 2, 1000, LOCK, issueToken);
    expect(again.map((r) => [r.offset, r.deliveryCount])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('never archives a record on its last allowed delivery when that delivery was not sent', () => {
    const sp = partition(1);
    const got = sp.acquire('m1', 1, 0, 1, 0, LOCK, issueToken);
    expect(sp.releaseUnsent(deliveries(got))).toHaveLength(1);
    expect(sp.counts(1)).toEqual({ available: 1, acquired: 0, acknowledged: 0, archived: 0 });
    const [again] = sp.acquire('m2', 1, 0, 1, 0, LOCK, issueToken);
    expect(again?.deliveryCount).toBe(1);
  });

  it('restores only one step of a record delivered before', () => {
    const sp = partition(5);
    const [first] = sp.acquire('m1', 1, 0, 1, 0, LOCK, issueToken);
    sp.expireLocks(LOCK);
    const [second] = sp.acquire('m1', 1, 0, 1, LOCK, LOCK, issueToken);
    expect(second?.deliveryCount).toBe(2);
    sp.releaseUnsent(deliveries([second!]));
    expect(sp.record(first!.offset)).toMatchObject({
      state: RecordState.AVAILABLE,
      deliveryCount: 1,
      memberId: null,
    });
  });

  it('leaves a record alone once its delivery has ended or another delivery took it', () => {
    const sp = partition(5);
    const [old] = sp.acquire('m1', 1, 0, 1, 0, LOCK, issueToken);
    sp.expireLocks(LOCK);
    const [current] = sp.acquire('m2', 1, 0, 1, LOCK, LOCK, issueToken);
    expect(sp.releaseUnsent(deliveries([old!]))).toEqual([]);
    expect(sp.record(0)).toMatchObject({ state: RecordState.ACQUIRED, memberId: 'm2' });

    const archivals: Archival[] = [];
    sp.acknowledge(
      { offset: 0, token: current!.token!, type: 'accept' },
      LOCK + 1,
      LOCK,
      archivals,
    );
    expect(sp.releaseUnsent(deliveries([current!]))).toEqual([]);
    expect(sp.start).toBe(1);
  });

  it('refuses the receipt of the unsent delivery afterwards', () => {
    const sp = partition(5);
    const [got] = sp.acquire('m1', 1, 0, 1, 0, LOCK, issueToken);
    sp.releaseUnsent(deliveries([got!]));
    const outcome = sp.acknowledge({ offset: 0, token: got!.token!, type: 'accept' }, 1, LOCK, []);
    expect(outcome).toMatchObject({ ok: false, code: 'LOCK_LOST' });
  });
});
