import { WeirCluster } from '../support/weir-cluster';
import {
  callUntilOk,
  partitionOfKey,
  readAll,
  ReceivedRecord,
  recordKey,
  Worker,
} from './cluster-client';
import { StreamMember } from './stream-member';

const PARTITIONS = 6;
const RECORDS = 300;

describe('three Weir nodes over PostgreSQL: routing', () => {
  let cluster: WeirCluster;
  const workers: Worker[] = [];

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: 2_000 });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await cluster?.stop();
  });

  it('spreads the partitions over the nodes and shows the same owners and epochs on every node', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url);
    await callUntilOk(a!, 'POST', '/topics', { name: 'orders', partitions: PARTITIONS }, 10_000);
    const { view } = await cluster.waitForView(
      'node-1',
      (v) => {
        const owners = new Set(
          v.partitions.filter((p) => p.topic === 'orders').map((p) => p.owner),
        );
        return (
          owners.size === 3 &&
          v.partitions.filter((p) => p.topic === 'orders').length === PARTITIONS
        );
      },
      4 * cluster.leaseMs,
      'orders spread over three nodes',
    );
    expect(view.storage).toBe('postgres');
    expect(view.nodes.map((n) => [n.nodeId, n.alive])).toEqual([
      ['node-1', true],
      ['node-2', true],
      ['node-3', true],
    ]);
    const counts = new Map<string, number>();
    for (const p of view.partitions) counts.set(p.owner, (counts.get(p.owner) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2]);
    for (const url of [b!, c!]) {
      await cluster.waitForView(
        url === b ? 'node-2' : 'node-3',
        (v) =>
          JSON.stringify(v.partitions.filter((p) => p.topic === 'orders')) ===
          JSON.stringify(view.partitions.filter((p) => p.topic === 'orders')),
        4 * cluster.leaseMs,
        'the same owners seen from another node',
      );
    }
  });

  it('takes produces through one node and serves them through another: every record once, dense offsets, keys on their murmur2 partitions', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url);
    const produced: Array<{ key: string; value: number; partition: number; offset: number }> = [];
    for (let batch = 0; batch < RECORDS / 50; batch++) {
      const records = Array.from({ length: 50 }, (_x, i) => {
        const n = batch * 50 + i;
        return { key: `customer-${n % 37}`, value: n };
      });
      const answer = await callUntilOk(a!, 'POST', '/topics/orders/records', { records }, 10_000);
      const offsets = (answer.body as { offsets: Array<{ partition: number; offset: number }> })
        .offsets;
      records.forEach((r, i) => produced.push({ ...r, ...offsets[i]! }));
    }
    for (const p of produced) expect(p.partition).toBe(partitionOfKey(p.key, PARTITIONS));

    for (let partition = 0; partition < PARTITIONS; partition++) {
      const read = await readAll(b!, 'orders', partition);
      expect(read.map((r) => r.offset)).toEqual(read.map((_r, i) => i));
      const expected = produced
        .filter((p) => p.partition === partition)
        .sort((x, y) => x.offset - y.offset)
        .map((p) => [p.offset, p.key, p.value]);
      expect(read.map((r) => [r.offset, r.key, r.value])).toEqual(expected);
    }
  });

  it('lets workers spread over every node consume a share group: each record accepted exactly once', async () => {
    const [a] = cluster.nodes.map((n) => n.url);
    await callUntilOk(
      a!,
      'PUT',
      '/queues/groups/billing',
      { topics: ['orders'], startFrom: 'earliest' },
      10_000,
    );
    for (const node of cluster.nodes) {
      for (let i = 0; i < 2; i++) {
        workers.push(new Worker(node.url, 'billing', { lockDurationMs: 30_000 }).start());
      }
    }
    const deadline = Date.now() + 60_000;
    const accepted = () => workers.flatMap((w) => w.accepted);
    while (accepted().length < RECORDS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await Promise.all(workers.map((w) => w.stop()));
    const keys = accepted().map(recordKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(RECORDS);
    expect(workers.filter((w) => w.accepted.length > 0).length).toBeGreaterThan(1);
  });
  it("describes and resets a share group through any node: each owner resets its own partitions, every node shows the owners' state, and each node's metrics cover only what it owns", async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    await callUntilOk(a, 'POST', '/topics', { name: 'ledger', partitions: PARTITIONS }, 10_000);
    await cluster.waitForOwners('node-1', 'ledger', PARTITIONS, 4 * cluster.leaseMs);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const records = [0, 1, 2, 3].map((value) => ({ value, partition }));
      await callUntilOk(a, 'POST', '/topics/ledger/records', { records }, 10_000);
    }
    // no dead-letter topic: a new topic would spread its partitions and move some of ledger's
    await callUntilOk(
      b,
      'PUT',
      '/queues/groups/ledgers',
      { topics: ['ledger'], deadLetterTopic: null },
      10_000,
    );
    // acquire every record through one node (gathered from every owner), accept offsets 0 and 1
    const held: ReceivedRecord[] = [];
    const deadline = Date.now() + 30_000;
    while (held.length < 4 * PARTITIONS && Date.now() < deadline) {
      const got = await callUntilOk(
        c,
        'POST',
        '/queues/groups/ledgers/receive',
        { maxRecords: 100, waitMs: 1_000, lockDurationMs: 60_000 },
        10_000,
      );
      held.push(...(got.body.records as ReceivedRecord[]));
    }
    expect(held).toHaveLength(4 * PARTITIONS);
    const done = held.filter((r) => r.offset < 2);
    const acked = await callUntilOk(
      a,
      'POST',
      '/queues/groups/ledgers/acks',
      { acks: done.map((r) => ({ receipt: r.receipt, type: 'accept' })) },
      10_000,
    );
    expect(acked.body.results.filter((r: { ok: boolean }) => !r.ok)).toEqual([]);

    const shape = (body: any) =>
      body.partitions.map((p: any) => [p.partition, p.startOffset, p.acquired, p.lag]);
    const before = Array.from({ length: PARTITIONS }, (_x, p) => [p, 2, 2, 2]);
    for (const url of [a, b, c]) {
      expect(
        shape((await callUntilOk(url, 'GET', '/queues/groups/ledgers', undefined, 10_000)).body),
      ).toEqual(before);
    }

    const reset = await callUntilOk(
      c,
      'POST',
      '/queues/groups/ledgers/reset',
      { to: 'latest' },
      10_000,
    );
    const after = Array.from({ length: PARTITIONS }, (_x, p) => [p, 4, 0, 0]);
    expect(shape(reset.body)).toEqual(after);
    for (const url of [a, b]) {
      expect(
        shape((await callUntilOk(url, 'GET', '/queues/groups/ledgers', undefined, 10_000)).body),
      ).toEqual(after);
    }
    const late = await callUntilOk(
      b,
      'POST',
      '/queues/groups/ledgers/acks',
      {
        acks: held
          .filter((r) => r.offset >= 2)
          .map((r) => ({ receipt: r.receipt, type: 'accept' })),
      },
      10_000,
    );
    expect(new Set(late.body.results.map((r: any) => r.error?.code))).toEqual(
      new Set(['LOCK_LOST']),
    );

    // each node reports the share partitions it owns, so that no series is counted twice
    const series = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const re = /^weir_share_group_lag\{[^}]*group="ledgers"[^}]*partition="(\d+)"[^}]*\} /gm;
      return [...text.matchAll(re)].map((m) => Number(m[1])).sort();
    };
    // (read until the series and the owners seen agree: both follow lease ticks)
    let reported: number[][] = [];
    let owners: number[][] = [];
    const until = Date.now() + 4 * cluster.leaseMs;
    for (let round = 0; round < 1_000 && Date.now() < until; round++) {
      const { view } = await cluster.waitForOwners(
        'node-1',
        'ledger',
        PARTITIONS,
        4 * cluster.leaseMs,
      );
      owners = cluster.nodes.map((n) =>
        view.partitions
          .filter((p) => p.topic === 'ledger' && p.owner === n.id)
          .map((p) => p.partition)
          .sort(),
      );
      reported = await Promise.all(cluster.nodes.map((n) => series(n.url)));
      if (JSON.stringify(reported) === JSON.stringify(owners)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reported).toEqual(owners);
    expect(reported.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it("wakes a stream member's long-poll at its group's coordinator as soon as another node appends to one of its partitions", async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    await callUntilOk(a, 'POST', '/topics', { name: 'ticks', partitions: PARTITIONS }, 10_000);
    await cluster.waitForOwners('node-1', 'ticks', PARTITIONS, 4 * cluster.leaseMs);
    const member = new StreamMember(a, 'tickers', 'ticks');
    await member.join();
    const { view } = await cluster.waitForView(
      'node-1',
      (v) => v.groups?.some((g) => g.group === 'tickers') === true,
      4 * cluster.leaseMs,
      'a coordinator for tickers',
    );
    const coordinator = view.groups!.find((g) => g.group === 'tickers')!.coordinator;
    const target = view.partitions.find((p) => p.topic === 'ticks' && p.owner !== coordinator)!;
    const ownerUrl = cluster.node(target.owner).url;
    const waitMs = 20_000;
    const polling = member.pollAndCommit(waitMs);
    // let the poll reach the coordinator and wait there (were the record there first, the poll
    // would answer at once and show nothing)
    await new Promise((resolve) => setTimeout(resolve, 500));
    const producedAt = Date.now();
    await callUntilOk(
      ownerUrl,
      'POST',
      '/topics/ticks/records',
      { records: [{ value: 'tick', partition: target.partition }] },
      10_000,
    );
    const records = await polling;
    expect(records.map((r) => [r.partition, r.value])).toEqual([[target.partition, 'tick']]);
    // woken by the owner's notice, not by the end of its wait
    expect(Date.now() - producedAt).toBeLessThan(waitMs / 2);
  }, 60_000);
});
