import { FakeClock } from '../../test/support/fake-clock';
import { MemoryGroupLeases } from '../../test/support/memory-group-leases';
import { BrokerError, ErrorCode, PartitionOwnerUnavailableError } from '../common/errors';
import { GroupCoordinators } from './group-coordinators';
import { GroupLeaseKeeper } from './group-lease-keeper';
import { coordinatorOf } from './group-lease-plan';
import { GroupRouter } from './group-router';
import { PeerUnreachableError } from './peer-client';

const LEASE_MS = 1_000;
const NODES = ['node-1', 'node-2'];
const URLS: Record<string, string> = { 'node-1': 'http://one', 'node-2': 'http://two' };
/** A group whose rightful coordinator among the two nodes is node-2. */
const GROUP_OF_TWO = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].find(
  (g) => coordinatorOf(g, NODES) === 'node-2',
)!;
const GROUP_OF_ONE = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].find(
  (g) => coordinatorOf(g, NODES) === 'node-1',
)!;

describe('the group router', () => {
  let clock: FakeClock;
  let store: MemoryGroupLeases;
  let live: string[];

  const nodeOf = (nodeId: string) => {
    const keeper = new GroupLeaseKeeper(store, clock, { nodeId, leaseMs: LEASE_MS });
    const coordinators = new GroupCoordinators(keeper, {
      nodeId,
      urlOf: (id) => (live.includes(id) ? URLS[id]! : null),
      liveNodeIds: () => Promise.resolve([...live]),
    });
    return { keeper, coordinators, router: new GroupRouter(() => coordinators) };
  };

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryGroupLeases(clock);
    live = [...NODES];
  });

  it('serves every call here on a single node', async () => {
    const router = new GroupRouter(() => null);
    const remote = jest.fn();
    expect(await router.run('orders', {}, () => Promise.resolve('here'), remote)).toBe('here');
    expect(remote).not.toHaveBeenCalled();
  });

  it('takes a group used for the first time when this node is its rightful coordinator', async () => {
    const one = nodeOf('node-1');
    const remote = jest.fn();
    expect(await one.router.run(GROUP_OF_ONE, {}, () => Promise.resolve('here'), remote)).toBe(
      'here',
    );
    expect(one.keeper.fence(GROUP_OF_ONE)).toBe(1);
    expect(remote).not.toHaveBeenCalled();
  });

  it('sends a group used for the first time to its rightful coordinator, which takes it when the call arrives', async () => {
    const one = nodeOf('node-1');
    const two = nodeOf('node-2');
    const local = jest.fn();
    const answer = await one.router.run(
      GROUP_OF_TWO,
      { authorization: 'Bearer t' },
      local,
      (url) => {
        expect(url).toBe('http://two');
        return two.router.run(
          GROUP_OF_TWO,
          { forwardedBy: 'node-1' },
          () => Promise.resolve('at two'),
          jest.fn(),
        );
      },
    );
    expect(answer).toBe('at two');
    expect(local).not.toHaveBeenCalled();
    expect(one.keeper.holds(GROUP_OF_TWO)).toBe(false);
    expect(two.keeper.fence(GROUP_OF_TWO)).toBe(1);
  });

  it('refuses a forwarded call for a group another node coordinates, with the retriable NOT_PARTITION_OWNER', async () => {
    const one = nodeOf('node-1');
    const two = nodeOf('node-2');
    await one.keeper.claim(GROUP_OF_TWO);
    const local = jest.fn();
    await expect(
      two.router.run(GROUP_OF_TWO, { forwardedBy: 'node-x' }, local, jest.fn()),
    ).rejects.toBeInstanceOf(PartitionOwnerUnavailableError);
    expect(local).not.toHaveBeenCalled();
  });

  it('passes on a commit the coordinator refused for the member (409), without trying another node', async () => {
    const one = nodeOf('node-1');
    await nodeOf('node-2').keeper.claim(GROUP_OF_TWO);
    await one.keeper.readTable();
    const refused = new BrokerError(ErrorCode.NOT_PARTITION_OWNER, 'lost it', { partitions: [] });
    const remote = jest.fn().mockRejectedValue(refused);
    await expect(one.router.run(GROUP_OF_TWO, {}, jest.fn(), remote)).rejects.toBe(refused);
    expect(remote).toHaveBeenCalledTimes(1);
  });

  it('takes over a group whose coordinator stopped answering once its lease expired, and serves the call here', async () => {
    const one = nodeOf('node-1');
    await nodeOf('node-2').keeper.claim(GROUP_OF_TWO);
    await one.keeper.readTable();
    clock.advance(LEASE_MS + 1); // node-2 died: its lease expired, the registry still lists it
    const remote = jest.fn().mockRejectedValue(new PeerUnreachableError('http://two'));
    expect(await one.router.run(GROUP_OF_TWO, {}, () => Promise.resolve('here'), remote)).toBe(
      'here',
    );
    expect(one.keeper.fence(GROUP_OF_TWO)).toBe(2);
  });

  it('answers the retriable NOT_PARTITION_OWNER when the coordinator cannot be reached and its lease holds', async () => {
    const one = nodeOf('node-1');
    await nodeOf('node-2').keeper.claim(GROUP_OF_TWO);
    await one.keeper.readTable();
    const remote = jest.fn().mockRejectedValue(new PeerUnreachableError('http://two'));
    await expect(one.router.run(GROUP_OF_TWO, {}, jest.fn(), remote)).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      details: { owner: 'node-2', url: 'http://two' },
    });
    expect(remote).toHaveBeenCalledTimes(3);
  });
});
