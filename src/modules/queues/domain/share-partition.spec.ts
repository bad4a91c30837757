import { NO_BACKOFF } from './backoff';
import { Archival } from './in-flight-record';
import { RecordState } from './record-state';
import { SharePartition } from './share-partition';
import { SharePartitionSettings } from './share-partition-types';
import { fromStateRuns } from './state-runs';

const LOCK = 30_000;
const settings = (overrides: Partial<SharePartitionSettings> = {}): SharePartitionSettings => ({
  maxDeliveryCount: 5,
  maxInFlightRecords: 2000,
  maxLockMs: 12 * 3600_000,
  backoff: NO_BACKOFF,
  ...overrides,
});

let tokenCounter = 0;
const issueToken = () => `t${(tokenCounter++).toString(16).padStart(8, '0')}`;

const fresh = (overrides: Partial<SharePartitionSettings> = {}) =>
  new SharePartition(settings(overrides), { startOffset: 0, endOffset: 0, records: [] });

const acquire = (sp: SharePartition, now: number, max = 100, logEnd = 10, member = 'm1') =>
  sp.acquire(member, max, 0, logEnd, now, LOCK, issueToken);

describe('SharePartition', () => {
  it('delivers new records with deliveryCount 1 and a lock, under one token per acquisition', () => {
    const sp = fresh();
    const got = acquire(sp, 1000, 3);
    expect(got.map((r) => [r.offset, r.deliveryCount, r.state, r.lockExpiresAtMs])).toEqual([
      [0, 1, RecordState.ACQUIRED, 1000 + LOCK],
      [1, 1, RecordState.ACQUIRED, 1000 + LOCK],
      [2, 1, RecordState.ACQUIRED, 1000 + LOCK],
    ]);
    expect(new Set(got.map((r) => r.token)).size).toBe(1);
    expect(got[0]!.token).not.toBeNull();
    expect(sp.end).toBe(3);
    expect(acquire(sp, 1000, 100, 3)).toEqual([]);
    sp.releaseUnsent([{ offset: 1, token: got[1]!.token! }]);
    const next = acquire(sp, 1000, 100, 3);
    expect(next.map((r) => r.offset)).toEqual([1]);
    expect(next[0]!.token).not.toBe(got[1]!.token);
  });

  it('never hands a record to two members at once', () => {
    const sp = fresh();
    const a = acquire(sp, 0, 5, 10, 'a').map((r) => r.offset);
    const b = acquire(sp, 0, 5, 10, 'b').map((r) => r.offset);
    expect(a.filter((o) => b.includes(o))).toEqual([]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('moves the start offset over accepted records and drops them', () => {
    const sp = fresh();
    const got = acquire(sp, 0, 3);
    const archivals: Archival[] = [];
    expect(
      sp.acknowledge({ offset: 1, token: got[1]!.token!, type: 'accept' }, 1, LOCK, archivals),
    ).toEqual({ ok: true, madeDeliverable: true });
    expect(sp.start).toBe(0);
    sp.acknowledge({ offset: 0, token: got[0]!.token!, type: 'accept' }, 1, LOCK, archivals);
    expect(sp.start).toBe(2);
    expect(sp.record(1)).toBeUndefined();
    expect(sp.lag(3)).toBe(1);
    expect(archivals).toEqual([]);
  });

  it('redelivers a record whose lock expired with deliveryCount 2, refusing the old receipt', () => {
    const sp = fresh();
    const [first] = acquire(sp, 0, 1, 1);
    sp.expireLocks(LOCK);
    const [second] = acquire(sp, LOCK, 1, 1, 'm2');
    expect(second).toMatchObject({ offset: 0, deliveryCount: 2, memberId: 'm2' });
    const before = sp.record(0);
    const outcome = sp.acknowledge(
      { offset: 0, token: first!.token!, type: 'accept' },
      LOCK + 1,
      LOCK,
      [],
    );
    expect(outcome).toMatchObject({ ok: false, code: 'LOCK_LOST' });
    expect(sp.record(0)).toEqual(before);
  });

  it('refuses an acknowledgement that arrives after the lock ended, and ends that attempt', () => {
    const sp = fresh();
    const [r] = acquire(sp, 0, 1, 1);
    const outcome = sp.acknowledge({ offset: 0, token: r!.token!, type: 'accept' }, LOCK, LOCK, []);
    expect(outcome).toMatchObject({ ok: false, code: 'LOCK_LOST' });
    expect(sp.record(0)?.state).toBe(RecordState.AVAILABLE);
  });

  it('does not deliver a record released with a delay before the delay is due', () => {
    const sp = fresh();
    const [r] = acquire(sp, 0, 1, 1);
    sp.acknowledge({ offset: 0, token: r!.token!, type: 'release', delayMs: 5000 }, 100, LOCK, []);
    expect(sp.nextDeadline()).toBe(5100);
    expect(acquire(sp, 5099, 1, 1)).toEqual([]);
    expect(sp.hasDeliverable(5099, 1)).toBe(false);
    expect(acquire(sp, 5100, 1, 1)[0]).toMatchObject({ offset: 0, deliveryCount: 2 });
  });

  it('applies the group backoff schedule by delivery count when a release names no delay', () => {
    const sp = fresh({ backoff: { kind: 'schedule', delaysMs: [1000, 5000] } });
    let now = 0;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [r] = acquire(sp, now, 1, 1);
      expect(r?.deliveryCount).toBe(attempt);
      sp.acknowledge({ offset: 0, token: r!.token!, type: 'release' }, now, LOCK, []);
      const due = sp.record(0)!.availableAtMs!;
      delays.push(due - now);
      now = due;
    }
    expect(delays).toEqual([1000, 5000, 5000]);
  });

  it.each([1, 5])('archives on the last allowed delivery when maxDeliveryCount is %i', (limit) => {
    const sp = fresh({ maxDeliveryCount: limit });
    const archivals: Archival[] = [];
    let now = 0;
    for (let attempt = 1; attempt <= limit; attempt++) {
      const [r] = acquire(sp, now, 1, 1);
      expect(r?.deliveryCount).toBe(attempt);
      const outcome = sp.acknowledge(
        { offset: 0, token: r!.token!, type: 'release' },
        now,
        LOCK,
        archivals,
      );
      expect(outcome.ok).toBe(true);
      now += 1;
    }
    expect(archivals).toEqual([
      { offset: 0, deliveryCount: limit, reason: 'DELIVERY_COUNT_EXCEEDED' },
    ]);
    expect(acquire(sp, now, 1, 1)).toEqual([]);
    expect(sp.start).toBe(1);
  });

  it('archives a record whose lock expires on its last allowed delivery', () => {
    const sp = fresh({ maxDeliveryCount: 2 });
    acquire(sp, 0, 1, 1);
    expect(sp.expireLocks(LOCK).madeAvailable).toHaveLength(1);
    acquire(sp, LOCK, 1, 1);
    const ends = sp.expireLocks(2 * LOCK);
    expect(ends.madeAvailable).toEqual([]);
    expect(ends.archivals).toEqual([
      {
        offset: 0,
        deliveryCount: 2,
        reason: 'DELIVERY_COUNT_EXCEEDED',
        error: 'acquisition lock expired',
      },
    ]);
  });

  it('archives a rejected record with the worker error as CLIENT_REJECT', () => {
    const sp = fresh();
    const [r] = acquire(sp, 0, 1, 1);
    const archivals: Archival[] = [];
    sp.acknowledge(
      { offset: 0, token: r!.token!, type: 'reject', error: 'bad payload' },
      1,
      LOCK,
      archivals,
    );
    expect(archivals).toEqual([
      { offset: 0, deliveryCount: 1, reason: 'CLIENT_REJECT', error: 'bad payload' },
    ]);
  });

  it('does not let a poison record at the head stop the records behind it', () => {
    const sp = fresh({ maxInFlightRecords: 3 });
    const first = acquire(sp, 0, 3, 100);
    const archivals: Archival[] = [];
    // offset 0 stays stuck; 1 and 2 are accepted: only pending records count against the window
    for (const r of first.slice(1))
      sp.acknowledge({ offset: r.offset, token: r.token!, type: 'accept' }, 1, LOCK, archivals);
    const next = acquire(sp, 1, 10, 100);
    expect(next.map((r) => r.offset)).toEqual([3, 4]);
    expect(sp.start).toBe(0);
  });

  it('stops fetching new offsets when the window of pending records is full', () => {
    const sp = fresh({ maxInFlightRecords: 4 });
    expect(acquire(sp, 0, 100, 100)).toHaveLength(4);
    expect(acquire(sp, 0, 100, 100)).toEqual([]);
  });

  it('renews a lock up to the maxLockMs cap and refuses beyond it', () => {
    const sp = fresh({ maxLockMs: 50_000 });
    const [r] = acquire(sp, 0, 1, 1);
    const renewed = sp.acknowledge(
      { offset: 0, token: r!.token!, type: 'renew', lockDurationMs: 40_000 },
      20_000,
      LOCK,
      [],
    );
    expect(renewed).toEqual({ ok: true, lockExpiresAtMs: 50_000, madeDeliverable: false });
    const refused = sp.acknowledge(
      { offset: 0, token: r!.token!, type: 'renew' },
      50_000 - 1,
      LOCK,
      [],
    );
    expect(refused).toEqual({ ok: true, lockExpiresAtMs: 50_000, madeDeliverable: false });
    const late = sp.acknowledge({ offset: 0, token: r!.token!, type: 'renew' }, 50_000, LOCK, []);
    expect(late).toMatchObject({ ok: false, code: 'LOCK_LOST' });
  });

  it('releases what a member held when it leaves, keeping the delivery count', () => {
    const sp = fresh();
    acquire(sp, 0, 2, 10, 'gone');
    acquire(sp, 0, 1, 10, 'stays');
    const ends = sp.releaseMember('gone', 5);
    expect(ends.madeAvailable.map((r) => [r.offset, r.deliveryCount])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(sp.heldBy('stays')).toEqual([2]);
    expect(acquire(sp, 5, 10, 3, 'new').map((r) => [r.offset, r.deliveryCount])).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it('reports counts, lag and the oldest available offset', () => {
    const sp = fresh();
    const got = acquire(sp, 0, 4, 10);
    sp.acknowledge({ offset: 1, token: got[1]!.token!, type: 'accept' }, 1, LOCK, []);
    sp.acknowledge({ offset: 2, token: got[2]!.token!, type: 'reject' }, 1, LOCK, []);
    sp.acknowledge({ offset: 3, token: got[3]!.token!, type: 'release' }, 1, LOCK, []);
    expect(sp.counts(10)).toEqual({ available: 1 + 6, acquired: 1, acknowledged: 1, archived: 1 });
    expect(sp.lag(10)).toBe(10 - 0 - 2);
    expect(sp.oldestAvailableOffset(10)).toBe(3);
  });

  it('hands out changes once and restores from a snapshot exactly', () => {
    const sp = fresh();
    const got = acquire(sp, 0, 3, 10);
    sp.acknowledge({ offset: 0, token: got[0]!.token!, type: 'accept' }, 1, LOCK, []);
    const changes = sp.takeChanges();
    expect(changes).toMatchObject({
      startOffset: 1,
      endOffset: 3,
      startMoved: true,
      resetAll: false,
    });
    expect(fromStateRuns(changes.runs).map((r) => r.offset)).toEqual([1, 2]);
    expect(sp.takeChanges().runs).toEqual([]);

    const restored = new SharePartition(settings(), {
      startOffset: changes.startOffset,
      endOffset: changes.endOffset,
      records: fromStateRuns(changes.runs),
    });
    expect(restored.record(1)).toEqual(sp.record(1));
    const outcome = restored.acknowledge(
      { offset: 2, token: got[2]!.token!, type: 'accept' },
      2,
      LOCK,
      [],
    );
    expect(outcome.ok).toBe(true);
  });

  it('forgets in-flight records on reset, so old receipts are lost', () => {
    const sp = fresh();
    const [r] = acquire(sp, 0, 1, 10);
    sp.resetTo(7);
    expect(sp.takeChanges()).toMatchObject({
      startOffset: 7,
      endOffset: 7,
      resetAll: true,
      runs: [],
    });
    expect(
      sp.acknowledge({ offset: 0, token: r!.token!, type: 'accept' }, 1, LOCK, []),
    ).toMatchObject({ ok: false });
    expect(acquire(sp, 1, 1, 10)[0]?.offset).toBe(7);
  });

  it('skips records that retention removed from the log', () => {
    const sp = fresh();
    acquire(sp, 0, 2, 10);
    const got = sp.acquire('m', 10, 5, 10, 1, LOCK, issueToken);
    expect(got.map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    expect(sp.start).toBe(5);
    // offsets 0 and 1 were in flight, 2 to 4 never fetched
    expect(sp.takeSkippedByRetention()).toBe(5);
    expect(sp.takeSkippedByRetention()).toBe(0);
  });
});
