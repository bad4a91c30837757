import { coordinatorOf } from '../../src/cluster/group-lease-plan';
import { eventually } from '../support/eventually';
import { ClusterView, WeirCluster } from '../support/weir-cluster';
import { WsTestClient } from '../support/ws-client';
import { callUntilOk } from './cluster-client';

const PARTITIONS = 3;
const LEASE_MS = 2_000;
const NODES = ['node-1', 'node-2', 'node-3'];

type GroupsView = ClusterView & { groups?: Array<{ group: string; coordinator: string }> };

interface Pushed {
  partition: number;
  offset: number;
  value: string;
}

describe('three Weir nodes over PostgreSQL: a WebSocket member of a group coordinated by another node', () => {
  let cluster: WeirCluster;

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
  }, 180_000);
  afterAll(() => cluster?.stop());

  it('is served on the node it connected to: assignment, records within its credit, commits, and a leave when the socket closes', async () => {
    const [one, two, three] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const group = Array.from({ length: 200 }, (_x, i) => `pushers-${i}`).find(
      (g) => coordinatorOf(g, NODES) === 'node-3',
    )!;
    await callUntilOk(one, 'POST', '/topics', { name: 'events', partitions: PARTITIONS }, 10_000);
    await cluster.waitForOwners('node-1', 'events', PARTITIONS, 4 * LEASE_MS);
    const values = Array.from({ length: 60 }, (_x, i) => `event-${i}`);
    const records = values.map((value, i) => ({ value, partition: i % PARTITIONS }));
    await callUntilOk(three, 'POST', '/topics/events/records', { records }, 10_000);
    // The group is first used over HTTP through node-2: its rightful coordinator, node-3, takes it.
    await callUntilOk(
      two,
      'POST',
      `/streams/groups/${group}/offsets/reset`,
      { topic: 'events', to: 'earliest' },
      10_000,
    );

    const { view } = await cluster.waitForView(
      'node-1',
      (v) => (v as GroupsView).groups?.some((g) => g.group === group) === true,
      4 * LEASE_MS,
      'node-1 sees the group coordinator',
    );
    expect((view as GroupsView).groups?.find((g) => g.group === group)?.coordinator).toBe('node-3');

    const client = await WsTestClient.connect(`${one.replace('http', 'ws')}/ws`);
    try {
      const subscribed = await client.request(
        { type: 'subscribe', mode: 'stream', group, topics: ['events'], credit: 40 },
        10_000,
      );
      expect(subscribed).toMatchObject({ type: 'subscribed' });
      const memberId = subscribed.memberId as string;
      await client.waitFor(
        (f) => f.type === 'assignment' && (f.assignment as unknown[]).length === PARTITIONS,
        10_000,
      );
      const pushed = () =>
        client.frames.filter((f) => f.type === 'records').flatMap((f) => f.records as Pushed[]);
      await eventually(() => pushed().length === 40, 10_000, 'the first 40 records pushed');
      client.send({ type: 'credit', subscriptionId: subscribed.subscriptionId, records: 100 });
      await eventually(() => pushed().length === values.length, 10_000, 'every record pushed');
      expect(
        pushed()
          .map((r) => r.value)
          .sort(),
      ).toEqual([...values].sort());

      const committed = await client.request(
        {
          type: 'commit',
          subscriptionId: subscribed.subscriptionId,
          offsets: [...Array(PARTITIONS).keys()].map((partition) => ({
            topic: 'events',
            partition,
            offset: values.length / PARTITIONS,
          })),
        },
        10_000,
      );
      expect(committed).toMatchObject({ type: 'committed' });

      // The coordinator (node-3) holds the member and the committed offsets.
      const described = await callUntilOk(
        three,
        'GET',
        `/streams/groups/${group}`,
        undefined,
        10_000,
      );
      expect(described.body.members).toEqual([
        { memberId, assignment: expect.any(Array) as unknown },
      ]);
      expect(
        (described.body.partitions as Array<{ committedOffset: number }>).map(
          (p) => p.committedOffset,
        ),
      ).toEqual(Array(PARTITIONS).fill(values.length / PARTITIONS));
    } finally {
      await client.close();
    }
    await eventually(
      async () => {
        const view = await callUntilOk(two, 'GET', `/streams/groups/${group}`, undefined, 10_000);
        return (view.body.members as unknown[]).length === 0;
      },
      10_000,
      'the member left when its socket closed',
    );
  });
  it('ends a WebSocket member on its coordinator with MEMBER_NOT_FOUND, naming the subscription, when that node loses the group (a freeze past its lease)', async () => {
    const two = cluster.node('node-2').url;
    const group = Array.from({ length: 200 }, (_x, i) => `frozen-${i}`).find(
      (g) => coordinatorOf(g, NODES) === 'node-2',
    )!;
    await callUntilOk(two, 'POST', '/topics', { name: 'beats', partitions: 1 }, 10_000);
    const client = await WsTestClient.connect(`${two.replace('http', 'ws')}/ws`);
    try {
      const subscribed = await client.request(
        { type: 'subscribe', mode: 'stream', group, topics: ['beats'], credit: 10 },
        10_000,
      );
      expect(subscribed).toMatchObject({ type: 'subscribed' });
      const { view } = await cluster.waitForView(
        'node-1',
        (v) => (v as GroupsView).groups?.some((g) => g.group === group) === true,
        4 * LEASE_MS,
        'node-1 sees the group coordinator',
      );
      expect((view as GroupsView).groups?.find((g) => g.group === group)?.coordinator).toBe(
        'node-2',
      );
      cluster.freeze('node-2');
      try {
        await cluster.waitForView(
          'node-1',
          (v) => {
            const held = (v as GroupsView).groups?.find((g) => g.group === group);
            return held !== undefined && held.coordinator !== 'node-2';
          },
          4 * LEASE_MS,
          'another node coordinates the group',
        );
      } finally {
        cluster.thaw('node-2');
      }
      const ended = await client.waitFor(
        (f) => f.type === 'error' && f.subscriptionId === subscribed.subscriptionId,
        4 * LEASE_MS,
      );
      expect(ended).toMatchObject({ error: { code: 'MEMBER_NOT_FOUND' } });
    } finally {
      await client.close();
    }
  });
});
