import { coordinatorOf } from '../../src/cluster/group-lease-plan';
import { eventually } from '../support/eventually';
import { ClusterView, WeirCluster } from '../support/weir-cluster';
import { call, callUntilOk } from './cluster-client';
import { StreamMember } from './stream-member';

const PARTITIONS = 4;
const LEASE_MS = 2_000;
const NODES = ['node-1', 'node-2', 'node-3'];

/** `GET /cluster` with the coordinators of streaming groups (an addition to API.md). */
type GroupsView = ClusterView & {
  groups?: Array<{ group: string; coordinator: string; epoch: number }>;
};

/** A group name whose rightful coordinator among the three nodes is node-3. */
const groupOnNode3 = (prefix: string): string =>
  Array.from({ length: 200 }, (_x, i) => `${prefix}-${i}`).find(
    (group) => coordinatorOf(group, NODES) === 'node-3',
  )!;

const coordinatorIn = (view: GroupsView, group: string) =>
  view.groups?.find((g) => g.group === group);

/** Heartbeats both members (each through its node) until they split all partitions in one generation. */
async function settled(a: StreamMember, b: StreamMember): Promise<void> {
  await eventually(
    async () => {
      await a.heartbeat();
      await b.heartbeat();
      const all = [...a.partitions(), ...b.partitions()].sort((x, y) => x - y);
      return (
        a.generation === b.generation &&
        a.partitions().length > 0 &&
        b.partitions().length > 0 &&
        JSON.stringify(all) === JSON.stringify([...Array(PARTITIONS).keys()])
      );
    },
    30_000,
    'both members share all partitions in one generation',
  );
}

/** Polls both members (waitMs 100) until `done` holds. */
async function consumeUntil(a: StreamMember, b: StreamMember, done: () => boolean): Promise<void> {
  await eventually(
    async () => {
      await Promise.all([a.pollAndCommit(100), b.pollAndCommit(100)]);
      return done();
    },
    60_000,
    'every record consumed',
  );
}

async function produce(url: string, values: string[]): Promise<void> {
  for (let i = 0; i < values.length; i += 20) {
    const records = values
      .slice(i, i + 20)
      .map((value, j) => ({ value, partition: (i + j) % PARTITIONS }));
    await callUntilOk(url, 'POST', '/topics/ledger/records', { records }, 20_000);
  }
}

async function committedOffsets(url: string, group: string): Promise<number[]> {
  const view = await callUntilOk(url, 'GET', `/streams/groups/${group}`, undefined, 20_000);
  const partitions = view.body.partitions as Array<{
    partition: number;
    committedOffset: number;
    logEndOffset: number;
  }>;
  return [...Array(PARTITIONS).keys()].map(
    (p) => partitions.find((x) => x.partition === p)?.committedOffset ?? -1,
  );
}

/** The log end of every partition of the topic, as a read through `url` answers it. */
async function logEnds(url: string): Promise<number[]> {
  const ends: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const page = await callUntilOk(
      url,
      'GET',
      `/topics/ledger/partitions/${p}/records?offset=0&maxRecords=1`,
      undefined,
      10_000,
    );
    ends.push(page.body.logEndOffset as number);
  }
  return ends;
}

describe('three Weir nodes over PostgreSQL: a streaming group has one coordinator', () => {
  let cluster: WeirCluster;

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
    await callUntilOk(
      cluster.nodes[0]!.url,
      'POST',
      '/topics',
      { name: 'ledger', partitions: PARTITIONS },
      10_000,
    );
    await cluster.waitForOwners('node-1', 'ledger', PARTITIONS, 4 * LEASE_MS);
  }, 180_000);
  afterAll(() => cluster?.stop());

  it('gives members joining through different nodes disjoint partitions in one generation; a killed coordinator is replaced and nothing committed is lost', async () => {
    const [one, two, three] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const group = groupOnNode3('readers');
    const a = new StreamMember(one, group, 'ledger');
    const b = new StreamMember(two, group, 'ledger');
    await a.join();
    await b.join();
    await settled(a, b);
    expect(a.partitions().filter((p) => b.partitions().includes(p))).toEqual([]);

    const { view } = await cluster.waitForView(
      'node-1',
      (v) => coordinatorIn(v, group) !== undefined,
      4 * LEASE_MS,
      'the group has a coordinator',
    );
    const before = coordinatorIn(view, group)!;
    expect(before.coordinator).toBe('node-3');

    // Membership stays stable: every record is consumed exactly once, offsets reach the log end.
    const first = Array.from({ length: 200 }, (_x, i) => `first-${i}`);
    await produce(three, first);
    const takenValues = () => [...a.taken, ...b.taken].map((r) => r.value as string);
    await consumeUntil(a, b, () => new Set(takenValues()).size === first.length);
    expect(takenValues().sort()).toEqual([...first].sort());
    expect(a.rejoins + b.rejoins).toBe(0);
    const perPartition = first.length / PARTITIONS;
    await eventually(
      async () =>
        JSON.stringify(await committedOffsets(one, group)) ===
        JSON.stringify(Array(PARTITIONS).fill(perPartition)),
      20_000,
      'committed offsets at the log end',
    );

    // The coordinator dies: another node coordinates with a higher epoch, members join again
    // through their own nodes and go on from the committed offsets.
    await cluster.kill('node-3');
    const { view: after } = await cluster.waitForView(
      'node-1',
      (v) => {
        const now = coordinatorIn(v, group);
        return now !== undefined && now.coordinator !== 'node-3' && now.epoch > before.epoch;
      },
      3 * LEASE_MS,
      'another node coordinates the group',
    );
    expect(coordinatorIn(after as GroupsView, group)!.coordinator).toMatch(/^node-[12]$/);
    const takenBefore = { a: a.taken.length, b: b.taken.length };
    const second = Array.from({ length: 100 }, (_x, i) => `second-${i}`);
    await produce(one, second);
    await consumeUntil(a, b, () => new Set(takenValues()).size === first.length + second.length);
    expect(a.rejoins + b.rejoins).toBeGreaterThan(0);
    const resumed = [...a.taken.slice(takenBefore.a), ...b.taken.slice(takenBefore.b)];
    // Nothing committed is read again, nothing after it is skipped; a record may be read again
    // only in a later generation (a rebalance while members joined again), never twice in one.
    expect(resumed.every((r) => r.offset >= perPartition)).toBe(true);
    expect([...new Set(resumed.map((r) => r.value as string))].sort()).toEqual([...second].sort());
    const perGeneration = resumed.map((r) => `${r.generation}/${r.partition}/${r.offset}`);
    expect(new Set(perGeneration).size).toBe(perGeneration.length);
    await settled(a, b);
    // A produce retried through the failover may have written a part twice: the log end counts.
    expect(await committedOffsets(two, group)).toEqual(await logEnds(one));
    await cluster.restart('node-3');
  });

  it('refuses a commit that reaches a coordinator frozen past its lease: the group keeps the offsets its new coordinator committed', async () => {
    const [one, two, three] = cluster.nodes.map((n) => n.url) as [string, string, string];
    await cluster.waitForView(
      'node-1',
      (v) => v.nodes.filter((n) => n.alive).length === 3,
      4 * LEASE_MS,
      'node-3 live again',
    );
    const group = groupOnNode3('auditors');
    const a = new StreamMember(one, group, 'ledger');
    const b = new StreamMember(two, group, 'ledger');
    await a.join();
    await b.join();
    await settled(a, b);
    const logEnd = await logEnds(one);
    await consumeUntil(
      a,
      b,
      () => a.taken.length + b.taken.length >= logEnd.reduce((x, y) => x + y, 0),
    );
    const { view } = await cluster.waitForView(
      'node-1',
      (v) => coordinatorIn(v, group)?.coordinator === 'node-3',
      4 * LEASE_MS,
      'node-3 coordinates the group',
    );
    const before = coordinatorIn(view, group)!;
    const committed = await committedOffsets(one, group);
    expect(committed).toEqual(logEnd);

    cluster.freeze('node-3');
    const [partition] = a.partitions();
    const stale = call(three, 'POST', `/streams/groups/${group}/offsets`, {
      memberId: a.memberId,
      generation: a.generation,
      offsets: [{ topic: 'ledger', partition, offset: 0 }],
    });
    await cluster.waitForView(
      'node-1',
      (v) => {
        const now = coordinatorIn(v, group);
        return now !== undefined && now.coordinator !== 'node-3' && now.epoch > before.epoch;
      },
      4 * LEASE_MS,
      'another node coordinates the group while node-3 is frozen',
    );
    cluster.thaw('node-3');
    const answer = await stale;
    expect(answer.status).not.toBe(200);
    expect(await committedOffsets(two, group)).toEqual(committed);
  });
});
