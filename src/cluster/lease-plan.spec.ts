import { lapsedKeys, localExpiryMs, nextLapseMs, planLeases } from './lease-plan';
import { PartitionLeaseRow, partitionKeyOf } from './lease-store';
import { assignPartitions } from './partition-assignment';

const NODES = ['a', 'b', 'c'];

const table = (
  lease: (key: string, owner: string) => PartitionLeaseRow['lease'],
): PartitionLeaseRow[] => {
  const partitions = Array.from({ length: 6 }, (_, partition) => ({ topicId: 1, partition }));
  const owners = assignPartitions(partitions, NODES);
  return partitions.map((p) => ({
    ...p,
    lease: lease(partitionKeyOf(p), owners.get(partitionKeyOf(p))!),
  }));
};

const keys = (partitions: { topicId: number; partition: number }[]) =>
  partitions.map(partitionKeyOf).sort();

describe('planLeases', () => {
  it('takes the free partitions of its share and nothing else', () => {
    const rows = table(() => null);
    const plan = planLeases({
      nodeId: 'a',
      liveNodeIds: NODES,
      table: rows,
      held: new Set(),
      handingOver: new Set(),
    });
    expect(plan.share).toHaveLength(2);
    expect(keys(plan.acquire)).toEqual(keys(plan.share));
    expect(plan.handOver).toEqual([]);
  });

  it('takes an expired lease of its share but waits for a live holder to hand one over', () => {
    const rows = table((_key, owner) =>
      owner === 'a' ? { owner: 'b', epoch: 3, expired: false } : null,
    );
    rows.find((row) => row.lease !== null)!.lease!.expired = true;
    const plan = planLeases({
      nodeId: 'a',
      liveNodeIds: NODES,
      table: rows,
      held: new Set(),
      handingOver: new Set(),
    });
    expect(plan.acquire).toHaveLength(1);
    expect(rows.find((row) => row.lease?.expired)).toMatchObject(plan.acquire[0]!);
  });

  it('hands over held partitions beyond its share once, when a node joins', () => {
    const alone = table(() => ({ owner: 'a', epoch: 1, expired: false }));
    const held = new Set(alone.map(partitionKeyOf));
    const input = {
      nodeId: 'a',
      liveNodeIds: NODES,
      table: alone,
      held,
      handingOver: new Set<string>(),
    };
    const plan = planLeases(input);
    expect(plan.handOver).toHaveLength(4);
    expect(plan.acquire).toEqual([]);
    const again = planLeases({ ...input, handingOver: new Set(plan.handOver.map(partitionKeyOf)) });
    expect(again.handOver).toEqual([]);
  });

  it('does nothing while it does not see itself among the live nodes', () => {
    const rows = table(() => null);
    const plan = planLeases({
      nodeId: 'd',
      liveNodeIds: NODES,
      table: rows,
      held: new Set([partitionKeyOf(rows[0]!)]),
      handingOver: new Set(),
    });
    expect(plan).toEqual({ share: [], acquire: [], handOver: [] });
  });

  it('takes every partition when it is the only live node', () => {
    const rows = table((_key, owner) => ({ owner, epoch: 2, expired: true }));
    const plan = planLeases({
      nodeId: 'b',
      liveNodeIds: ['b'],
      table: rows,
      held: new Set(),
      handingOver: new Set(),
    });
    expect(plan.acquire).toHaveLength(6);
  });
});

describe('local lease expiry', () => {
  it('counts the lease from when the renewal was sent, less the safety margin', () => {
    expect(localExpiryMs(10_000, 500, 50)).toBe(10_450);
  });

  it('finds the leases the local clock says may have lapsed, and the next one to lapse', () => {
    const leases = new Map([
      ['1/0', { localExpiresAtMs: 1000 }],
      ['1/1', { localExpiresAtMs: 1500 }],
      ['1/2', { localExpiresAtMs: 999 }],
    ]);
    expect(lapsedKeys(leases, 999)).toEqual(['1/2']);
    expect(lapsedKeys(leases, 1000).sort()).toEqual(['1/0', '1/2']);
    expect(nextLapseMs(leases.values())).toBe(999);
    expect(nextLapseMs([])).toBeNull();
  });
});
