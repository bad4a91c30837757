import { NO_BACKOFF } from './backoff';
import { Archival } from './in-flight-record';
import { RecordState } from './record-state';
import { SharePartition } from './share-partition';
import { SharePartitionSettings } from './share-partition-types';

const LOCK = 30_000;
const settings = (overrides: Partial<SharePartitionSettings> = {}): SharePartitionSettings => ({
  maxDeliveryCount: 5,
  maxInFlightRecords: 2000,
  maxLockMs: 12 * 3600_000,
  backoff: NO_BACKOFF,
  ...overrides,
});

let tokenCounter = 0;
const issueToken = () => `o${(tokenCounter++).toString(16).padStart(8, '0')}`;

const fresh = (overrides: Partial<SharePartitionSettings> = {}) =>
  new SharePartition(settings(overrides), { startOffset: 0, endOffset: 0, records: [] });

const acquireOne = (sp: SharePartition, now: number, logEnd = 10) =>
  sp.acquire('m1', 1, 0, logEnd, now, LOCK, issueToken)[0]!;

const ack = (
  sp: SharePartition,
  r: { offset: number; token: string | null },
  type: 'accept' | 'release' | 'reject' | 'renew',
  now: number,
  extra: { delayMs?: number } = {},
  archivals: Archival[] = [],
) => sp.acknowledge({ offset: r.offset, token: r.token!, type, ...extra }, now, LOCK, archivals);

describe('SharePartition outcomes: what became deliverable', () => {
  it.each(['accept', 'reject'] as const)('reports that a %s frees room in the window', (type) => {
    const sp = fresh({ maxInFlightRecords: 1 });
    const r = acquireOne(sp, 0);
    expect(sp.hasDeliverable(1, 10)).toBe(false);
    expect(ack(sp, r, type, 1)).toEqual({ ok: true, madeDeliverable: true });
    expect(sp.hasDeliverable(1, 10)).toBe(true);
  });

  it('reports a release without delay as deliverable, and one with a delay as not yet', () => {
    const sp = fresh();
    const r = acquireOne(sp, 0);
    expect(ack(sp, r, 'release', 1)).toEqual({ ok: true, madeDeliverable: true });
    const again = acquireOne(sp, 1);
    expect(ack(sp, again, 'release', 2, { delayMs: 5000 })).toEqual({
      ok: true,
      madeDeliverable: false,
    });
  });

  it('reports a release that archives on the last delivery as freeing room', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    const r = acquireOne(sp, 0);
    expect(ack(sp, r, 'release', 1, { delayMs: 5000 })).toEqual({
      ok: true,
      madeDeliverable: true,
    });
  });

  it('reports a renew as changing nothing deliverable', () => {
    const sp = fresh();
    const r = acquireOne(sp, 0);
    expect(ack(sp, r, 'renew', 1)).toEqual({
      ok: true,
      lockExpiresAtMs: 1 + LOCK,
      madeDeliverable: false,
    });
  });

  it('reports an ack that finds its lock expired as an expiry that made the record deliverable', () => {
    const sp = fresh({ maxInFlightRecords: 1 });
    const r = acquireOne(sp, 0);
    expect(ack(sp, r, 'accept', LOCK)).toEqual({
      ok: false,
      code: 'LOCK_LOST',
      message: 'The lock expired before this acknowledgement',
      madeDeliverable: true,
      lockExpired: true,
    });
    expect(sp.record(0)?.state).toBe(RecordState.AVAILABLE);
  });

  it('reports a failed ack that changed nothing as waking nobody', () => {
    const sp = fresh();
    const first = acquireOne(sp, 0);
    sp.expireLocks(LOCK);
    acquireOne(sp, LOCK);
    const before = sp.record(0);
    expect(ack(sp, first, 'release', LOCK + 1)).toEqual({
      ok: false,
      code: 'LOCK_LOST',
      message: 'This receipt does not name the current delivery',
      madeDeliverable: false,
      lockExpired: false,
    });
    expect(ack(sp, { offset: 7, token: 'nope' }, 'accept', LOCK + 1)).toMatchObject({
      ok: false,
      madeDeliverable: false,
      lockExpired: false,
    });
    expect(sp.record(0)).toEqual(before);
  });

  it('counts expired locks and reports them deliverable, whether made available or archived', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    sp.acquire('m1', 2, 0, 10, 0, LOCK, issueToken);
    const ends = sp.expireLocks(LOCK);
    expect(ends).toMatchObject({ locksExpired: 2, madeDeliverable: true });
    expect(ends.archivals).toHaveLength(2);
    expect(ends.madeAvailable).toEqual([]);
  });

  it('reports an expiry under a backoff as not deliverable until the delay falls due', () => {
    const sp = fresh({ backoff: { kind: 'schedule', delaysMs: [1000] } });
    acquireOne(sp, 0);
    expect(sp.expireLocks(LOCK)).toMatchObject({ locksExpired: 1, madeDeliverable: false });
    expect(sp.expireLocks(LOCK + 1000)).toMatchObject({
      locksExpired: 0,
      delayedDue: 1,
      madeDeliverable: true,
    });
  });

  it('reports nothing deliverable when nothing was due', () => {
    const sp = fresh();
    acquireOne(sp, 0);
    expect(sp.expireLocks(LOCK - 1)).toMatchObject({ locksExpired: 0, madeDeliverable: false });
  });

  it('reports a member leaving as deliverable, without counting lock expirations', () => {
    const sp = fresh();
    acquireOne(sp, 0);
    expect(sp.releaseMember('m1', 1)).toMatchObject({ locksExpired: 0, madeDeliverable: true });
  });
});

describe('SharePartition parked expiries', () => {
  it('leaves a parked record as it is and moves its deadline to the retry time', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    acquireOne(sp, 0);
    expect(sp.dueOffsets(LOCK)).toEqual([0]);
    expect(sp.holdExpiry([0], LOCK + 30_000)).toEqual([0]);
    expect(sp.nextDeadline()).toBe(LOCK + 30_000);
    expect(sp.dueOffsets(LOCK + 1)).toEqual([]);
    const ends = sp.expireLocks(LOCK + 1);
    expect(ends).toMatchObject({ locksExpired: 0, archivals: [], madeDeliverable: false });
    expect(sp.record(0)?.state).toBe(RecordState.ACQUIRED);
  });

  it('retries a parked expiry at its retry time, and reports a second failure as not new', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    acquireOne(sp, 0);
    sp.holdExpiry([0], LOCK + 30_000);
    expect(sp.dueOffsets(LOCK + 30_000)).toEqual([0]);
    expect(sp.holdExpiry([0], LOCK + 60_000)).toEqual([]);
    expect(sp.nextDeadline()).toBe(LOCK + 60_000);
    expect(sp.expireLocks(LOCK + 60_000).archivals).toHaveLength(1);
  });

  it('refuses an ack on a parked record without touching it', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    const r = acquireOne(sp, 0);
    sp.holdExpiry([0], LOCK + 30_000);
    const archivals: Archival[] = [];
    expect(ack(sp, r, 'accept', LOCK + 1, {}, archivals)).toMatchObject({
      ok: false,
      code: 'LOCK_LOST',
      madeDeliverable: false,
      lockExpired: false,
    });
    expect(archivals).toEqual([]);
    expect(sp.record(0)?.state).toBe(RecordState.ACQUIRED);
  });

  it('keeps its parked expiries across a reload, and drops them when the settings change', () => {
    const sp = fresh({ maxDeliveryCount: 1 });
    acquireOne(sp, 0);
    sp.holdExpiry([0], LOCK + 30_000);
    const reloaded = new SharePartition(settings({ maxDeliveryCount: 1 }), {
      startOffset: 0,
      endOffset: 1,
      records: [sp.record(0)!],
    });
    reloaded.adoptHolds(sp);
    expect(reloaded.nextDeadline()).toBe(LOCK + 30_000);
    expect(reloaded.holdExpiry([0], LOCK + 60_000)).toEqual([]);
    reloaded.updateSettings(settings({ maxDeliveryCount: 2 }));
    expect(reloaded.nextDeadline()).toBe(LOCK);
  });
});
