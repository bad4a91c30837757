import { eventually } from '../support/eventually';
import { ClusterView, WeirCluster } from '../support/weir-cluster';
import { call, callUntilOk, recordKey, ReceivedRecord } from './cluster-client';
import { WsShareWorker } from './ws-share-worker';

const PARTITIONS = 6;
const LEASE_MS = 2_000;
/** Locks that outlast the test: a record available again was released, not expired. */
const LOCK_MS = 600_000;

const ownerOf = (view: ClusterView, topic: string) =>
  new Map(view.partitions.filter((p) => p.topic === topic).map((p) => [p.partition, p.owner]));

/** Produces `perPartition` numbered records to every partition of `topic` through `url`. */
async function produceEverywhere(
  url: string,
  topic: string,
  perPartition: number,
  base: number,
): Promise<string[]> {
  const produced: string[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const records = Array.from({ length: perPartition }, (_x, i) => ({
      partition,
      value: base + partition * perPartition + i,
    }));
    const answer = await callUntilOk(url, 'POST', `/topics/${topic}/records`, { records }, 30_000);
    const offsets = (answer.body as { offsets: Array<{ partition: number; offset: number }> })
      .offsets;
    for (const o of offsets) produced.push(recordKey({ topic, ...o }));
  }
  return produced;
}

const keysOf = (records: readonly ReceivedRecord[]) => records.map(recordKey);

describe('three Weir nodes over PostgreSQL: WebSocket share subscriptions', () => {
  let cluster: WeirCluster;
  const workers: WsShareWorker[] = [];
  let owners: Map<number, string>;
  /** Every record produced to `jobs` so far (each test's groups start at the earliest). */
  const produced: string[] = [];

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
    const a = cluster.nodes[0]!.url;
    await callUntilOk(a, 'POST', '/topics', { name: 'jobs', partitions: PARTITIONS }, 10_000);
    // Without dead-letter topics, whose partitions would be spread too: jobs' are 2 per node.
    for (const group of ['crunch', 'held', 'survive']) {
      const config = { topics: ['jobs'], deadLetterTopic: null };
      await callUntilOk(a, 'PUT', `/queues/groups/${group}`, config, 10_000);
    }
    const { view } = await cluster.waitForView(
      'node-1',
      (v) => {
        const counts = ['node-1', 'node-2', 'node-3'].map(
          (id) => v.partitions.filter((p) => p.owner === id).length,
        );
        return v.partitions.length === PARTITIONS && counts.join() === '2,2,2';
      },
      8 * LEASE_MS,
      'two partitions of jobs on each node',
    );
    owners = ownerOf(view, 'jobs');
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await cluster?.stop();
  });

  it("gives workers connected to one node the records of every owner's partitions, each accepted once over the same socket", async () => {
    const a = cluster.node('node-1').url;
    produced.push(...(await produceEverywhere(a, 'jobs', 50, 0)));
    const started = await Promise.all(
      [0, 1].map(() => WsShareWorker.start(a, 'crunch', { credit: 20, lockDurationMs: 30_000 })),
    );
    workers.push(...started);
    const accepted = () => started.flatMap((w) => keysOf(w.accepted));
    await eventually(
      () => new Set(accepted()).size >= produced.length,
      60_000,
      'every record accepted',
    );
    expect(accepted().sort()).toEqual([...produced].sort());
    expect(started.flatMap((w) => w.failures)).toEqual([]);
    // the partitions of the two other nodes were consumed through node-1
    const remote = started
      .flatMap((w) => w.accepted)
      .filter((r) => owners.get(r.partition) !== 'node-1');
    expect(new Set(remote.map((r) => owners.get(r.partition)))).toEqual(
      new Set(['node-2', 'node-3']),
    );
    // nothing is left to deliver anywhere
    const left = await call(cluster.node('node-2').url, 'POST', '/queues/groups/crunch/receive', {
      maxRecords: 100,
    });
    expect(left.body.records).toEqual([]);
  });

  it('renews and releases records of remote partitions over the socket at their owners, and makes what a closed subscription held available again at once', async () => {
    const a = cluster.node('node-1').url;
    // more than node-1's own partitions hold (50 records each): the others' records are needed
    const local = [...ownerOf(await cluster.view('node-1'), 'jobs').values()].filter(
      (owner) => owner === 'node-1',
    ).length;
    const credit = 50 * (local + 1);
    const holder = await WsShareWorker.start(a, 'held', {
      credit,
      lockDurationMs: LOCK_MS,
      hold: true,
    });
    workers.push(holder);
    await eventually(
      () => holder.deliveries.length === credit,
      30_000,
      'the holder got its credit',
    );
    const now = ownerOf(await cluster.view('node-1'), 'jobs');
    const heldRemote = holder.deliveries.filter((r) => now.get(r.partition) !== 'node-1');
    expect(heldRemote.length).toBeGreaterThanOrEqual(50);
    // renew and release of remote records over the socket go to their owners
    const [renewed, released] = heldRemote;
    const answer = await holder.client.request(
      {
        type: 'ack',
        acks: [
          { receipt: renewed!.receipt, type: 'renew', lockDurationMs: LOCK_MS },
          { receipt: released!.receipt, type: 'release' },
        ],
      },
      15_000,
    );
    expect(answer).toMatchObject({
      type: 'acked',
      results: [
        { receipt: renewed!.receipt, ok: true, lockExpiresAtMs: expect.any(Number) },
        { receipt: released!.receipt, ok: true },
      ],
    });
    const [stale] = (
      await callUntilOk(
        a,
        'POST',
        '/queues/groups/held/acks',
        { acks: [{ receipt: released!.receipt, type: 'accept' }] },
        10_000,
      )
    ).body.results;
    expect(stale.error.code).toBe('LOCK_LOST');

    expect(await holder.unsubscribe()).toMatchObject({ type: 'unsubscribed' });
    // Their locks would last ten minutes: they are available now, at their owners, through
    // any node, with their delivery count kept (this is their second delivery).
    const again = new Map<string, ReceivedRecord>();
    const missing = () => holder.deliveries.filter((r) => !again.has(recordKey(r)));
    for (let round = 0; round < 20 && missing().length > 0; round++) {
      const got = await callUntilOk(
        cluster.node('node-2').url,
        'POST',
        '/queues/groups/held/receive',
        { maxRecords: 100, lockDurationMs: LOCK_MS },
        10_000,
      );
      for (const r of got.body.records as ReceivedRecord[]) again.set(recordKey(r), r);
    }
    for (const held of holder.deliveries) {
      expect(again.get(recordKey(held))?.deliveryCount).toBe(held.deliveryCount + 1);
    }
  });

  it('keeps a worker on one node receiving the partitions that move when a peer is killed, and redelivers what a worker on the dead node held once its locks expire', async () => {
    const a = cluster.node('node-1').url;
    const worker = await WsShareWorker.start(a, 'survive', { credit: 20, lockDurationMs: 3_000 });
    workers.push(worker);
    // node-3's worker holds records of every owner's partitions when its node dies
    const doomed = await WsShareWorker.start(cluster.node('node-3').url, 'survive', {
      credit: 30,
      lockDurationMs: 10_000,
      hold: true,
    });
    workers.push(doomed);
    produced.push(...(await produceEverywhere(a, 'jobs', 20, 1e6)));
    await eventually(() => doomed.deliveries.length === 30, 30_000, "node-3's worker holds 30");
    await eventually(
      () =>
        new Set([...keysOf(worker.accepted), ...keysOf(doomed.deliveries)]).size >= produced.length,
      30_000,
      'records before the kill accepted',
    );

    const current = ownerOf(await cluster.view('node-1'), 'jobs');
    const moved = [...current].filter(([, owner]) => owner === 'node-3').map(([p]) => p);
    expect(moved.length).toBeGreaterThan(0);
    await cluster.kill('node-3');
    await cluster.waitForView(
      'node-1',
      (v) => moved.every((p) => ![undefined, 'node-3'].includes(ownerOf(v, 'jobs').get(p))),
      3 * LEASE_MS + 5_000,
      "node-3's partitions taken over",
    );
    const after = await produceEverywhere(a, 'jobs', 20, 2e6);
    produced.push(...after);
    await eventually(
      () => new Set(keysOf(worker.accepted)).size >= produced.length,
      60_000,
      'records after the kill accepted',
    );
    expect(keysOf(worker.accepted).sort()).toEqual([...produced].sort());
    const movedAfter = worker.accepted.filter(
      (r) => moved.includes(r.partition) && after.includes(recordKey(r)),
    );
    expect(movedAfter.length).toBe(20 * moved.length);
    const acceptedAt = new Map(worker.accepted.map((r) => [recordKey(r), r]));
    for (const held of doomed.deliveries) {
      expect(acceptedAt.get(recordKey(held))?.deliveryCount).toBe(held.deliveryCount + 1);
    }
  });
});
