import { ClusterView, WeirCluster } from '../support/weir-cluster';
import { call, callUntilOk, readAll, recordKey, Worker } from './cluster-client';

const PARTITIONS = 6;
const LEASE_MS = 2_000;
const LOCK_MS = 3_000;

const ownersOf = (view: ClusterView, topic: string) =>
  new Map(view.partitions.filter((p) => p.topic === topic).map((p) => [p.partition, p]));

/** Produces numbered records through `url` until stopped; keeps what was acknowledged. */
class Producer {
  readonly acknowledged: Array<{ value: number; partition: number; offset: number }> = [];
  private stopped = false;
  private loop: Promise<void> | null = null;
  private next = 0;

  constructor(
    private readonly url: string,
    private readonly topic: string,
    private readonly base: number,
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let round = 0; !this.stopped && round < 100_000; round++) {
      const records = Array.from({ length: 10 }, () => ({
        key: `k-${this.next % 23}`,
        value: this.base + this.next++,
      }));
      const answer = await call(this.url, 'POST', `/topics/${this.topic}/records`, { records });
      if (answer.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const offsets = (answer.body as { offsets: Array<{ partition: number; offset: number }> })
        .offsets;
      records.forEach((r, i) => this.acknowledged.push({ value: r.value, ...offsets[i]! }));
    }
  }
}

describe('three Weir nodes over PostgreSQL: a node is killed', () => {
  let cluster: WeirCluster;

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
  }, 180_000);
  afterAll(() => cluster?.stop());

  it("moves a killed node's partitions at a higher epoch within two lease periods, loses no acknowledged record or ack, redelivers what its workers held, and gives it partitions back when it restarts", async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url);
    await callUntilOk(a!, 'POST', '/topics', { name: 'jobs', partitions: PARTITIONS }, 10_000);
    await callUntilOk(
      a!,
      'PUT',
      '/queues/groups/crunch',
      { topics: ['jobs'], startFrom: 'earliest' },
      10_000,
    );
    const { view: before } = await cluster.waitForView(
      'node-1',
      (v) => new Set([...ownersOf(v, 'jobs').values()].map((p) => p.owner)).size === 3,
      4 * LEASE_MS,
      'jobs spread over three nodes',
    );

    const producers = [new Producer(a!, 'jobs', 0).start(), new Producer(b!, 'jobs', 1e6).start()];
    const workers = [
      new Worker(a!, 'crunch', { lockDurationMs: LOCK_MS }).start(),
      new Worker(b!, 'crunch', { lockDurationMs: LOCK_MS }).start(),
    ];
    // The doomed node's worker takes records and never acknowledges them.
    const doomed = new Worker(c!, 'crunch', { lockDurationMs: LOCK_MS, hold: true }).start();
    const deadline = Date.now() + 20_000;
    while (doomed.deliveries.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(doomed.deliveries.length).toBeGreaterThan(0);

    await cluster.kill('node-3');
    await doomed.stop();
    const lost = [...ownersOf(before, 'jobs').values()].filter((p) => p.owner === 'node-3');
    const { view: after } = await cluster.waitForView(
      'node-1',
      (v) => {
        const now = ownersOf(v, 'jobs');
        return lost.every((p) => {
          const owner = now.get(p.partition);
          return owner !== undefined && owner.owner !== 'node-3' && owner.epoch > p.epoch;
        });
      },
      // Two lease periods (its last renewal lapses, a survivor's next tick takes it), plus one
      // of slack for a loaded machine and the polling of GET /cluster.
      3 * LEASE_MS,
      "node-3's partitions taken over",
    );
    expect(after.nodes.find((n) => n.nodeId === 'node-3')?.alive).toBe(false);

    // Produce and consume a while longer on the two survivors, then stop producing and drain.
    await new Promise((resolve) => setTimeout(resolve, LOCK_MS));
    await Promise.all(producers.map((p) => p.stop()));
    const acknowledged = producers.flatMap((p) => p.acknowledged);
    const inLog = new Map<string, unknown>();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const records = await readAll(a!, 'jobs', partition);
      expect(records.map((r) => r.offset)).toEqual(records.map((_r, i) => i));
      for (const r of records) inLog.set(`jobs/${partition}/${r.offset}`, r.value);
    }
    for (const p of acknowledged) {
      expect(inLog.get(`jobs/${p.partition}/${p.offset}`)).toBe(p.value);
    }

    // Every record in the log is accepted once, those the dead node's worker held included.
    const accepted = () => workers.flatMap((w) => w.accepted).map(recordKey);
    const drainDeadline = Date.now() + 60_000;
    while (new Set(accepted()).size < inLog.size && Date.now() < drainDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await Promise.all(workers.map((w) => w.stop()));
    expect(new Set(accepted()).size).toBe(inLog.size);
    expect(accepted()).toHaveLength(inLog.size);

    // An accepted record is never delivered again.
    const acceptedAt = new Map(workers.flatMap((w) => w.accepted).map((r) => [recordKey(r), r]));
    for (const delivery of workers.flatMap((w) => w.deliveries)) {
      const accept = acceptedAt.get(recordKey(delivery));
      expect(delivery.deliveryCount).toBeLessThanOrEqual(accept!.deliveryCount);
    }
    const accepts = workers.flatMap((w) => w.accepted);
    for (const held of doomed.deliveries) {
      const again = accepts.find((r) => recordKey(r) === recordKey(held));
      expect(again?.deliveryCount).toBe(held.deliveryCount + 1);
    }

    await cluster.restart('node-3');
    await cluster.waitForView(
      'node-1',
      // Its fair share of every partition (those of the auto-created dead-letter topic too).
      (v) =>
        v.partitions.filter((p) => p.owner === 'node-3').length >=
        Math.floor(v.partitions.length / 3),
      6 * LEASE_MS,
      'node-3 owns its share again',
    );
    // Bounded by the deadlines of its steps (the behaviour is asserted by those), not by
    // jest's default of 60 s, which a loaded machine's drain alone may take.
  }, 150_000);
});
