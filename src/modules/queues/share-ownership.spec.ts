import { FakeClock } from '../../../test/support/fake-clock';
import type { ClusterRuntime } from '../../cluster/cluster-runtime';
import type { LeaseChange, OwnedLease } from '../../cluster/lease-keeper';
import type { LogWaiters } from '../topics/log-waiters';
import type { ShareGroup } from './domain/share-group';
import type { ShareGroupsService } from './share-groups.service';
import type { SharePartitionWriter } from './share-partition-writer';
import { ShareOwnership } from './share-ownership';

const lease = (partition: number): OwnedLease => ({
  topicId: 1,
  partition,
  epoch: 2,
  grantedAtMs: 0,
  expiresAtMs: 0,
  localExpiresAtMs: 0,
});

describe('ShareOwnership', () => {
  let clock: FakeClock;
  let listener: (change: LeaseChange) => void;
  let held: Set<number>;
  let loads: Array<{ partition: number; done: () => void; fail: (e: Error) => void }>;
  let woken: string[];
  let ownership: ShareOwnership;
  let tick: () => void;
  let gain: (lease: OwnedLease) => Promise<void>;
  let syncs: Array<() => void>;

  const build = (clustered: boolean) => {
    const runtime = {
      clustered,
      onChange: (l: (change: LeaseChange) => void) => (listener = l),
      onTick: (l: () => void) => (tick = l),
      onGain: (work: (lease: OwnedLease) => Promise<void>) => (gain = work),
      serves: (_topicId: number, partition: number) => held.has(partition),
    };
    const group = { id: 9 } as ShareGroup;
    const groups = {
      all: () => [group],
      syncFromStorage: () => new Promise<void>((resolve) => syncs.push(resolve)),
      reloadOrFail: (_g: ShareGroup, refs: Array<{ partition: number }>) =>
        new Promise<void>((resolve, reject) =>
          loads.push({ partition: refs[0]!.partition, done: resolve, fail: reject }),
        ),
    };
    const writer = { exclusive: (_g: unknown, _r: unknown, op: () => Promise<void>) => op() };
    const waiters = { notify: (key: string) => woken.push(key) };
    ownership = new ShareOwnership(
      runtime as unknown as ClusterRuntime,
      groups as unknown as ShareGroupsService,
      writer as unknown as SharePartitionWriter,
      waiters as unknown as LogWaiters,
      clock,
    );
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    clock = new FakeClock();
    held = new Set();
    loads = [];
    woken = [];
    syncs = [];
  });

  it('serves every share partition on a single node', () => {
    build(false);
    expect(ownership.serves(1, 5)).toBe(true);
  });

  it('serves a gained partition only once its state is loaded, then wakes its receivers', async () => {
    build(true);
    held.add(0);
    listener({ kind: 'gained', lease: lease(0) });
    const gained = gain(lease(0));
    expect(ownership.serves(1, 0)).toBe(false);
    loads[0]!.done();
    await gained;
    expect(ownership.serves(1, 0)).toBe(true);
    expect(woken).toContain('share:9');
  });

  it('loads again after a failure, and stops serving a lost partition at once', async () => {
    build(true);
    held.add(3);
    listener({ kind: 'gained', lease: lease(3) });
    void gain(lease(3));
    loads[0]!.fail(new Error('database away'));
    await settle();
    expect(ownership.serves(1, 3)).toBe(false);
    clock.advance(500);
    expect(loads).toHaveLength(2);
    loads[1]!.done();
    await settle();
    expect(ownership.serves(1, 3)).toBe(true);
    held.delete(3);
    listener({ kind: 'lost', lease: lease(3), reason: 'fenced' });
    expect(ownership.serves(1, 3)).toBe(false);
  });

  it('adopts the share groups other nodes changed at each keeper tick, one sync at a time', async () => {
    build(true);
    tick();
    tick();
    expect(syncs).toHaveLength(1);
    syncs[0]!();
    await settle();
    await settle();
    tick();
    expect(syncs).toHaveLength(2);
  });
});
