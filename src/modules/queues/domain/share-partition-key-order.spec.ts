import { NO_BACKOFF } from './backoff';
import { Archival, InFlightRecord } from './in-flight-record';
import { KEY_WAITING_PER_WINDOW } from './key-order';
import { RecordState } from './record-state';
import { SharePartition } from './share-partition';
import { AckType, SharePartitionSettings } from './share-partition-types';

const LOCK = 30_000;
const settings = (overrides: Partial<SharePartitionSettings> = {}): SharePartitionSettings => ({
  maxDeliveryCount: 5,
  maxInFlightRecords: 2000,
  maxLockMs: 12 * 3600_000,
  backoff: NO_BACKOFF,
  ordering: 'key',
  ...overrides,
});

let tokenCounter = 0;
const issueToken = () => `t${(tokenCounter++).toString(16).padStart(8, '0')}`;

/** A share partition over a log whose record at offset i has key `keys[i]`. */
function ordered(
  keys: ReadonlyArray<string | null>,
  overrides: Partial<SharePartitionSettings> = {},
) {
  const sp = new SharePartition(settings(overrides), { startOffset: 0, endOffset: 0, records: [] });
  const keyOf = (offset: number) => keys[offset];
  const held = new Map<number, InFlightRecord>();
  const acquire = (nowMs: number, max = 100, logStart = 0) => {
    const got = sp.acquire('m', max, logStart, keys.length, nowMs, LOCK, issueToken, keyOf);
    for (const r of got) held.set(r.offset, r);
    return got.map((r) => r.offset);
  };
  const ack = (offset: number, type: AckType, nowMs: number, delayMs?: number) => {
    const r = held.get(offset)!;
    const archivals: Archival[] = [];
    const request = {
      offset,
      token: r.token!,
      type,
      ...(delayMs !== undefined ? { delayMs } : {}),
    };
    return { outcome: sp.acknowledge(request, nowMs, LOCK, archivals), archivals };
  };
  return { sp, acquire, ack, keyOf };
}

describe('SharePartition with ordering "key"', () => {
  // Log: a a b. Offset 0 (key a) is acquired first; the case moves it on, then offset 1 (key a)
  // is delivered only when 0 is finished.
  it.each([
    {
      what: 'an earlier record still acquired',
      act: () => undefined,
      nowMs: 1,
      next: [],
    },
    {
      what: 'an earlier record released with a delay, before the delay ends',
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'release', 1, 1000),
      nowMs: 500,
      next: [],
    },
    {
      what: 'an earlier record released with a delay, once the delay ends (the earlier one again)',
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'release', 1, 1000),
      nowMs: 1001,
      next: [0],
    },
    {
      what: 'an earlier record waiting out a backoff',
      overrides: { backoff: { kind: 'schedule', delaysMs: [5000] } } as const,
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'release', 1),
      nowMs: 2,
      next: [],
    },
    {
      what: 'an earlier record whose lock expired and was not yet ended',
      act: () => undefined,
      nowMs: LOCK + 5,
      next: [],
    },
    {
      what: 'an earlier record whose lock expired (made available again: it goes again, not 1)',
      act: (t: ReturnType<typeof ordered>) => t.sp.expireLocks(LOCK),
      nowMs: LOCK,
      next: [0, 2],
    },
    {
      what: 'an earlier record accepted',
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'accept', 1),
      nowMs: 2,
      next: [1],
    },
    {
      what: 'an earlier record rejected',
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'reject', 1),
      nowMs: 2,
      next: [1],
    },
    {
      what: 'an earlier record dead-lettered by the delivery limit on release',
      overrides: { maxDeliveryCount: 1 },
      act: (t: ReturnType<typeof ordered>) => t.ack(0, 'release', 1),
      nowMs: 2,
      next: [1],
    },
    {
      what: 'an earlier record dead-lettered by the delivery limit on lock expiry',
      overrides: { maxDeliveryCount: 1 },
      act: (t: ReturnType<typeof ordered>) => t.sp.expireLocks(LOCK),
      nowMs: LOCK,
      next: [1],
    },
  ])('after $what, next delivers $next', ({ act, nowMs, next, ...rest }) => {
    const overrides = 'overrides' in rest ? rest.overrides : {};
    const t = ordered(['a', 'a', 'b'], overrides);
    expect(t.acquire(0)).toEqual([0, 2]);
    act(t);
    expect(t.acquire(nowMs)).toEqual(next);
  });

  it('reports a finished record whose key has a successor as making something deliverable', () => {
    const t = ordered(['a', 'a']);
    t.acquire(0);
    expect(t.ack(0, 'accept', 1).outcome).toEqual({ ok: true, madeDeliverable: true });
    expect(t.sp.hasDeliverable(1, 2)).toBe(true);
    expect(t.acquire(1)).toEqual([1]);
  });

  it('says nothing is deliverable while every fetched record waits on its key', () => {
    const t = ordered(['a', 'a', 'a']);
    t.acquire(0);
    expect(t.sp.hasDeliverable(1, 3)).toBe(false);
    expect(t.sp.keyOrderCounts()).toEqual({ waiting: 2, keysInFlight: 1 });
  });

  it('leaves records without a key unordered', () => {
    const t = ordered([null, null, 'a', null, 'a']);
    expect(t.acquire(0)).toEqual([0, 1, 2, 3]);
    expect(t.acquire(1)).toEqual([]);
    t.ack(2, 'accept', 2);
    expect(t.acquire(3)).toEqual([4]);
  });

  it('never blocks other keys behind a key that waits', () => {
    const t = ordered(['a', 'b', 'a', 'c', 'b', 'd']);
    expect(t.acquire(0)).toEqual([0, 1, 3, 5]);
    t.ack(1, 'accept', 1);
    expect(t.acquire(2)).toEqual([4]);
  });

  it('fetches past a window full of one key: waiting records do not take its room', () => {
    const keys = [...Array.from({ length: 10 }, () => 'a'), 'b', 'c', 'd'];
    const t = ordered(keys, { maxInFlightRecords: 3 });
    expect(t.acquire(0)).toEqual([0, 10, 11]);
    expect(t.sp.keyOrderCounts()).toEqual({ waiting: 9, keysInFlight: 3 });
    // the window (3 records that do not wait) is full: d waits for room, not for a
    expect(t.acquire(1)).toEqual([]);
    t.ack(10, 'accept', 2);
    expect(t.acquire(3)).toEqual([12]);
    t.ack(0, 'accept', 4);
    expect(t.acquire(5)).toEqual([1]);
  });

  it('holds at most KEY_WAITING_PER_WINDOW times the window of records waiting on their key', () => {
    const cap = 2 * KEY_WAITING_PER_WINDOW;
    const keys = [...Array.from({ length: cap + 5 }, () => 'a'), 'b'];
    const t = ordered(keys, { maxInFlightRecords: 2 });
    expect(t.sp.fetchRoom()).toBe(2 + cap);
    expect(t.acquire(0)).toEqual([0]);
    expect(t.sp.keyOrderCounts().waiting).toBe(cap);
    expect(t.sp.end).toBe(cap + 1);
    expect(t.sp.fetchRoom()).toBe(1);
    t.ack(0, 'accept', 1);
    expect(t.acquire(2)).toEqual([1]);
    expect(t.sp.end).toBe(cap + 2);
  });

  it('keeps the order of 100 keys under many acquisitions, acceptances and releases', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys = Array.from({ length: 2000 }, () => `k${Math.floor(random() * 100)}`);
    const t = ordered(keys, { maxInFlightRecords: 50, maxDeliveryCount: 100 });
    const inFlight = new Set<number>();
    const accepted = new Map<string, number[]>();
    let now = 0;
    for (let round = 0; round < 10_000 && t.sp.start < keys.length; round++) {
      now += 1;
      for (const offset of t.acquire(now, 1 + Math.floor(random() * 10))) {
        const key = keys[offset]!;
        for (const other of inFlight) expect(keys[other]).not.toBe(key);
        inFlight.add(offset);
      }
      for (const offset of [...inFlight]) {
        if (random() < 0.5) continue;
        inFlight.delete(offset);
        if (random() < 0.2) {
          t.ack(offset, 'release', now);
          continue;
        }
        t.ack(offset, 'accept', now);
        const list = accepted.get(keys[offset]!) ?? [];
        list.push(offset);
        accepted.set(keys[offset]!, list);
      }
    }
    expect(t.sp.start).toBe(keys.length);
    for (const [key, offsets] of accepted) {
      const expected = keys.flatMap((k, offset) => (k === key ? [offset] : []));
      expect(offsets).toEqual(expected);
    }
  });

  it('writes the records that wait on their key, so that a restart finds every fetched offset', () => {
    const t = ordered(['a', 'a', 'b', 'a']);
    expect(t.acquire(0)).toEqual([0, 2]);
    const changes = t.sp.takeChanges();
    expect(changes.endOffset).toBe(4);
    const written = changes.runs.flatMap((r) =>
      Array.from({ length: r.lastOffset - r.firstOffset + 1 }, (_x, i) => [
        r.firstOffset + i,
        r.state,
      ]),
    );
    expect(written).toEqual([
      [0, RecordState.ACQUIRED],
      [1, RecordState.AVAILABLE],
      [2, RecordState.ACQUIRED],
      [3, RecordState.AVAILABLE],
    ]);
  });

  it('learns the keys of a reloaded partition before it delivers, and keeps the rule', () => {
    const t = ordered(['a', 'b', 'a', 'b', 'c']);
    expect(t.acquire(0)).toEqual([0, 1, 4]);
    const reloaded = new SharePartition(settings(), t.sp.snapshot());
    expect(reloaded.hasDeliverable(1, 5)).toBe(true);
    expect(reloaded.acquire('m', 10, 0, 5, LOCK + 1, LOCK, issueToken, t.keyOf)).toEqual([]);
    expect(reloaded.unknownKeys()).toEqual([0, 1, 2, 3, 4]);
    reloaded.learnKeys(reloaded.unknownKeys().map((o) => [o, t.keyOf(o)!] as const));
    expect(reloaded.unknownKeys()).toEqual([]);
    reloaded.expireLocks(LOCK + 1);
    const got = reloaded.acquire('m', 10, 0, 5, LOCK + 1, LOCK, issueToken, t.keyOf);
    expect(got.map((r) => r.offset)).toEqual([0, 1, 4]);
  });

  it('lets the next record of a key go when retention removed the one before it', () => {
    const t = ordered(['a', 'a', 'a']);
    expect(t.acquire(0)).toEqual([0]);
    expect(t.acquire(1, 100, 1)).toEqual([1]);
  });

  it('forgets keys on a reset', () => {
    const t = ordered(['a', 'a', 'a', 'a']);
    t.acquire(0);
    t.sp.resetTo(2);
    expect(t.sp.keyOrderCounts()).toEqual({ waiting: 0, keysInFlight: 0 });
    expect(t.acquire(1)).toEqual([2]);
  });

  it('ignores keys with ordering "none"', () => {
    const t = ordered(['a', 'a', 'a'], { ordering: 'none' });
    expect(t.acquire(0)).toEqual([0, 1, 2]);
    expect(t.sp.keyOrderCounts()).toEqual({ waiting: 0, keysInFlight: 0 });
    expect(t.sp.record(1)?.state).toBe(RecordState.ACQUIRED);
  });
});
