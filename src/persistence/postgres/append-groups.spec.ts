import { NotPartitionOwnerError } from '../../cluster/lease-store';
import type { PartitionBounds } from '../port/log-storage';
import { MissingPartitionError, PartitionAppend } from '../port/log-storage';
import { AppendGroups } from './append-groups';
import { StorageUnavailableError } from './postgres-errors';

const record = (n: number) => ({ timestampMs: n, key: null, wire: `"value":${n}`, sizeBytes: 1 });
const batch = (partition: number, count = 1): PartitionAppend => ({
  topicId: 1,
  partition,
  records: Array.from({ length: count }, (_x, i) => record(i)),
});

/**
 * A log in memory behind a commit of groups: offsets per partition under one counter each,
 * adopted (and reported) only when the group's commit succeeds; `failAt` makes the commit of
 * that number (from 1) fail as given; `held` holds commits until `release`.
 */
class FakeLog {
  readonly groups: number[][] = [];
  readonly reported: PartitionBounds[][] = [];
  readonly ends = new Map<number, number>();
  missing = new Set<number>();
  fenced = new Set<number>();
  readonly failAt = new Map<number, Error>();
  private releases: Array<() => void> = [];
  held = false;

  commit = async (appends: ReadonlyArray<readonly PartitionAppend[]>): Promise<number[][]> => {
    this.groups.push(appends.map((a) => a.length));
    if (this.held) await new Promise<void>((resolve) => this.releases.push(resolve));
    const failure = this.failAt.get(this.groups.length);
    const flat = appends.flat();
    for (const b of flat) {
      if (this.fenced.has(b.partition)) throw new NotPartitionOwnerError(b.topicId, b.partition);
      if (this.missing.has(b.partition)) throw new MissingPartitionError(b.topicId, b.partition);
    }
    if (failure) throw failure;
    const ends = new Map(this.ends);
    const value = appends.map((append) =>
      append.map((b) => {
        const base = ends.get(b.partition) ?? 0;
        ends.set(b.partition, base + b.records.length);
        return base;
      }),
    );
    for (const [partition, end] of ends) this.ends.set(partition, end);
    this.reported.push(
      [...ends].map(([partition, end]) => ({
        topicId: 1,
        partition,
        logStartOffset: 0,
        logEndOffset: end,
        bytes: end,
      })),
    );
    return value;
  };

  release(): void {
    this.held = false;
    for (const resolve of this.releases.splice(0)) resolve();
  }
}

const settled = <T>(promises: Array<Promise<T>>) => Promise.allSettled(promises);

describe('AppendGroups (group commit of appends)', () => {
  it('commits appends that arrive while transactions are in flight together, with dense offsets in arrival order', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 1,
      maxGroupRecords: 100,
      maxGroupBytes: 1_000,
    });
    const first = groups.append([batch(0, 2)]);
    const waiting = [
      groups.append([batch(0, 3)]),
      groups.append([batch(1, 1), batch(0, 1)]),
      groups.append([batch(0, 2)]),
    ];
    log.release();
    expect(await first).toEqual([0]);
    expect(await Promise.all(waiting)).toEqual([[2], [0, 5], [6]]);
    expect(log.groups).toEqual([[1], [1, 2, 1]]);
    expect(log.ends.get(0)).toBe(8);
  });

  it('stops a group at its record bound but never splits one append', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 1,
      maxGroupRecords: 5,
      maxGroupBytes: 1_000,
    });
    const appends = [
      groups.append([batch(0, 1)]),
      groups.append([batch(0, 3)]),
      groups.append([batch(0, 2)]),
      groups.append([batch(0, 7)]),
      groups.append([batch(0, 1)]),
    ];
    log.release();
    expect((await Promise.all(appends)).map(([base]) => base)).toEqual([0, 1, 4, 6, 13]);
    expect(log.groups).toEqual([[1], [1, 1], [1], [1]]);
  });

  it('fails only the appends that touch a partition whose lease is not held, and commits the rest of their group', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 1,
      maxGroupRecords: 100,
      maxGroupBytes: 1_000,
    });
    const first = groups.append([batch(0)]);
    const group = [
      groups.append([batch(0)]),
      groups.append([batch(2), batch(1)]),
      groups.append([batch(1)]),
      groups.append([batch(3)]),
    ];
    log.fenced.add(2);
    log.missing.add(3);
    log.release();
    await first;
    const outcomes = await settled(group);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(NotPartitionOwnerError);
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(MissingPartitionError);
    expect((outcomes[0] as PromiseFulfilledResult<number[]>).value).toEqual([1]);
    expect((outcomes[2] as PromiseFulfilledResult<number[]>).value).toEqual([0]);
    expect(log.ends.get(1)).toBe(1);
    expect(log.ends.has(2)).toBe(false);
  });

  it('fails every append of a group whose commit may or may not have happened, and reports nothing for it', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 1,
      maxGroupRecords: 100,
      maxGroupBytes: 1_000,
    });
    log.failAt.set(2, new StorageUnavailableError('connection broke after COMMIT was sent', true));
    const first = groups.append([batch(0)]);
    const group = [groups.append([batch(0)]), groups.append([batch(1)])];
    log.release();
    await first;
    const reportedBefore = log.reported.length;
    const outcomes = await settled(group);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const o of outcomes) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError);
    }
    expect(log.reported).toHaveLength(reportedBefore);
    expect(log.groups).toEqual([[1], [1, 1]]);
    expect(await groups.append([batch(0)])).toEqual([1]);
  });

  it('runs each append of a group alone after a failure that is not about a partition, so it fails only its own caller', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 1,
      maxGroupRecords: 100,
      maxGroupBytes: 1_000,
    });
    log.failAt.set(2, new Error('value too long'));
    log.failAt.set(3, new Error('value too long'));
    const first = groups.append([batch(0)]);
    const group = [groups.append([batch(0)]), groups.append([batch(1)])];
    log.release();
    await first;
    const outcomes = await settled(group);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect(log.groups).toEqual([[1], [1, 1], [1], [1]]);
  });

  it('commits what is queued when it closes, then refuses new appends', async () => {
    const log = new FakeLog();
    log.held = true;
    const groups = new AppendGroups(log.commit, {
      maxInFlight: 2,
      maxGroupRecords: 100,
      maxGroupBytes: 1_000,
    });
    const appends = Array.from({ length: 5 }, () => groups.append([batch(0, 2)]));
    const closed = groups.close();
    await expect(groups.append([batch(0)])).rejects.toThrow('closed');
    log.release();
    await closed;
    expect((await Promise.all(appends)).map(([base]) => base)).toEqual([0, 2, 4, 6, 8]);
  });
});
