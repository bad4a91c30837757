import { coordinatorOf, planGroupLeases } from './group-lease-plan';

const NODES = ['node-1', 'node-2', 'node-3'];
const groups = Array.from({ length: 60 }, (_x, i) => `group-${i}`);

describe('the coordinator lease plan of streaming groups', () => {
  it('gives every group one coordinator among the live nodes, the same on every node, spread over all', () => {
    const picked = groups.map((group) => coordinatorOf(group, NODES));
    expect(groups.map((group) => coordinatorOf(group, [...NODES].reverse()))).toEqual(picked);
    for (const node of NODES) expect(picked.filter((p) => p === node).length).toBeGreaterThan(5);
    expect(coordinatorOf('orders', [])).toBeNull();
  });

  it('moves only the groups of a node that left', () => {
    const before = new Map(groups.map((group) => [group, coordinatorOf(group, NODES)]));
    const after = new Map(
      groups.map((group) => [group, coordinatorOf(group, ['node-1', 'node-3'])]),
    );
    for (const group of groups) {
      if (before.get(group) !== 'node-2') expect(after.get(group)).toBe(before.get(group));
      else expect(after.get(group)).not.toBe('node-2');
    }
  });

  it('takes only expired groups whose rightful coordinator is this node, never a live or held one', () => {
    const table = groups.map((group, i) => ({
      group,
      owner: 'node-2',
      epoch: 3,
      expired: i % 2 === 0,
    }));
    const mine = groups.filter((group) => coordinatorOf(group, NODES) === 'node-1');
    const heldGroup = mine.find((_g, i) => i % 2 === 0)!;
    const planned = planGroupLeases({
      nodeId: 'node-1',
      liveNodeIds: NODES,
      table,
      held: new Set([heldGroup]),
    });
    expect(planned.length).toBeGreaterThan(0);
    for (const group of planned) {
      expect(coordinatorOf(group, NODES)).toBe('node-1');
      expect(table.find((row) => row.group === group)?.expired).toBe(true);
    }
    expect(planned).not.toContain(heldGroup);
    expect(planned.sort()).toEqual(
      table
        .filter((row) => row.expired && mine.includes(row.group) && row.group !== heldGroup)
        .map((row) => row.group)
        .sort(),
    );
  });

  it('takes nothing while the node does not see itself live', () => {
    const table = [{ group: 'orders', owner: 'node-2', epoch: 1, expired: true }];
    expect(
      planGroupLeases({ nodeId: 'node-9', liveNodeIds: NODES, table, held: new Set() }),
    ).toEqual([]);
  });
});
