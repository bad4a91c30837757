import { FakeClock } from '../../test/support/fake-clock';
import { MemoryGroupLeases } from '../../test/support/memory-group-leases';
import { GroupLeaseChange, GroupLeaseKeeper } from './group-lease-keeper';
import { coordinatorOf } from './group-lease-plan';
import { NotGroupCoordinatorError } from './group-lease-store';

const LEASE_MS = 1_000;
const NODES = ['node-1', 'node-2'];

function keeperOf(
  store: MemoryGroupLeases,
  clock: FakeClock,
  nodeId: string,
  prepare?: () => Promise<void>,
) {
  const keeper = new GroupLeaseKeeper(store, clock, { nodeId, leaseMs: LEASE_MS, prepare });
  const changes: GroupLeaseChange[] = [];
  keeper.onChange((change) => changes.push(change));
  return { keeper, changes };
}

describe('the group coordinator lease keeper', () => {
  let clock: FakeClock;
  let store: MemoryGroupLeases;

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryGroupLeases(clock);
  });

  it('claims a group used for the first time at epoch 1 and fences its commits with it', async () => {
    const { keeper, changes } = keeperOf(store, clock, 'node-1');
    expect(() => keeper.fence('orders')).toThrow(NotGroupCoordinatorError);
    expect(await keeper.claim('orders')).toBe(true);
    expect(keeper.fence('orders')).toBe(1);
    expect(changes).toEqual([
      { kind: 'gained', lease: expect.objectContaining({ group: 'orders', epoch: 1 }) },
    ]);
  });

  it('does not claim a group another node coordinates while its lease is live', async () => {
    const one = keeperOf(store, clock, 'node-1').keeper;
    const two = keeperOf(store, clock, 'node-2').keeper;
    expect(await one.claim('orders')).toBe(true);
    expect(await two.claim('orders')).toBe(false);
    expect(two.row('orders')).toEqual({
      group: 'orders',
      owner: 'node-1',
      epoch: 1,
      expired: false,
    });
  });

  it('stops coordinating at once when its own clock says the lease may have lapsed', async () => {
    const { keeper, changes } = keeperOf(store, clock, 'node-1');
    await keeper.claim('orders');
    clock.advance(LEASE_MS - LEASE_MS / 10 - 1);
    expect(keeper.holds('orders')).toBe(true);
    clock.advance(1);
    expect(keeper.holds('orders')).toBe(false);
    expect(changes.at(-1)).toEqual({
      kind: 'lost',
      lease: expect.objectContaining({ group: 'orders' }),
      reason: 'lapsed',
    });
    expect(() => keeper.fence('orders')).toThrow(NotGroupCoordinatorError);
  });

  it('keeps a group across ticks by renewing it', async () => {
    const { keeper } = keeperOf(store, clock, 'node-1');
    await keeper.claim('orders');
    for (let i = 0; i < 10; i++) {
      clock.advance(LEASE_MS / 3);
      await keeper.tick(['node-1']);
    }
    expect(keeper.fence('orders')).toBe(1);
  });

  it("takes an expired group with epoch + 1 on the tick of its rightful node; the old holder's renewal is fenced", async () => {
    const group = ['a', 'b', 'c', 'd', 'e', 'f'].find(
      (g) => coordinatorOf(g, ['node-2']) === 'node-2',
    )!;
    const old = keeperOf(store, clock, 'node-1');
    await old.keeper.claim(group);
    const next = keeperOf(store, clock, 'node-2');
    await next.keeper.tick(NODES);
    expect(next.keeper.holds(group)).toBe(false); // the lease is live: never taken
    clock.advance(LEASE_MS + 1); // node-1 froze: its lease expired in the database
    await next.keeper.tick(['node-2']);
    expect(next.keeper.fence(group)).toBe(2);
    await old.keeper.tick(NODES);
    expect(old.keeper.holds(group)).toBe(false);
    expect(old.changes.at(-1)).toEqual(expect.objectContaining({ kind: 'lost' }));
  });

  it('counts a gained group as held only once its preparation (offsets loaded) is done', async () => {
    let finish: () => void = () => undefined;
    const prepared = new Promise<void>((resolve) => (finish = resolve));
    const { keeper } = keeperOf(store, clock, 'node-1', () => prepared);
    const claiming = keeper.claim('orders');
    await Promise.resolve();
    expect(keeper.holds('orders')).toBe(false);
    finish();
    expect(await claiming).toBe(true);
    expect(keeper.holds('orders')).toBe(true);
  });

  it('releases its groups on a clean close, so that another node takes them at once', async () => {
    const { keeper, changes } = keeperOf(store, clock, 'node-1');
    await keeper.claim('orders');
    await keeper.close({ release: true });
    expect(changes.at(-1)).toEqual(expect.objectContaining({ kind: 'lost', reason: 'closed' }));
    const other = keeperOf(store, clock, 'node-2').keeper;
    clock.advance(1);
    expect(await other.claim('orders')).toBe(true);
    expect(other.fence('orders')).toBe(2);
  });
});
