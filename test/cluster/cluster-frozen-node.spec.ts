import { eventually } from '../support/eventually';
import { WeirCluster } from '../support/weir-cluster';
import { call, callUntilOk, readAll } from './cluster-client';

const PARTITIONS = 3;
const LEASE_MS = 2_000;

describe('three Weir nodes over PostgreSQL: a node is frozen past its leases', () => {
  let cluster: WeirCluster;

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
  }, 180_000);
  afterAll(() => cluster?.stop());

  it('cannot write with its stale epoch when it wakes up: no duplicate and no lost offset', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url);
    await callUntilOk(a!, 'POST', '/topics', { name: 'ledger', partitions: PARTITIONS }, 10_000);
    const { view } = await cluster.waitForView(
      'node-1',
      (v) => v.partitions.filter((p) => p.topic === 'ledger').length === PARTITIONS,
      4 * LEASE_MS,
      'ledger owned',
    );
    const frozenOwns = view.partitions.filter((p) => p.topic === 'ledger' && p.owner === 'node-2');
    expect(frozenOwns.length).toBeGreaterThan(0);

    const acknowledged: Array<{ value: string; partition: number; offset: number }> = [];
    /** One attempt, or (`retry`) attempts until answered 200, as a client retries a 503. */
    const produce = async (url: string, value: string, partition: number, retry = false) => {
      const body = { records: [{ value, partition }] };
      const answer = retry
        ? await callUntilOk(url, 'POST', '/topics/ledger/records', body, 15_000)
        : await call(url, 'POST', '/topics/ledger/records', body);
      if (answer.status === 200) {
        const [at] = (answer.body as { offsets: Array<{ partition: number; offset: number }> })
          .offsets;
        acknowledged.push({ value, ...at! });
      }
      return answer.status;
    };
    for (let i = 0; i < 5; i++) {
      for (let p = 0; p < PARTITIONS; p++)
        expect(await produce(b!, `before-${i}-${p}`, p)).toBe(200);
    }

    // Produces keep going to node-2, so that some are inside their fenced transaction when it
    // freezes; others queue at it and wake up after its leases are gone.
    let hammering = true;
    const hammer = (async () => {
      for (let i = 0; hammering && i < 10_000; i++)
        await produce(b!, `hammer-${i}`, i % PARTITIONS);
    })();
    await eventually(() => acknowledged.some((x) => x.value.startsWith('hammer-')), 10_000);
    cluster.freeze('node-2');
    const inFlight = Array.from({ length: PARTITIONS }, (_x, p) => produce(b!, `frozen-${p}`, p));
    await cluster.waitForView(
      'node-1',
      (v) =>
        frozenOwns.every((old) =>
          v.partitions.some(
            (p) =>
              p.topic === 'ledger' &&
              p.partition === old.partition &&
              p.owner !== 'node-2' &&
              p.epoch > old.epoch,
          ),
        ),
      5 * LEASE_MS,
      "node-2's partitions taken over while it is frozen",
    );
    for (let p = 0; p < PARTITIONS; p++) {
      expect(await produce(a!, `taken-${p}`, p, true)).toBe(200);
    }
    cluster.thaw('node-2');
    await Promise.all(inFlight);
    hammering = false;
    await hammer;
    for (let p = 0; p < PARTITIONS; p++) {
      expect(await produce(b!, `after-${p}`, p, true)).toBe(200);
    }

    // On waking, node-2 itself stopped serving what it had owned (its own clock or the fence).
    const metrics = await fetch(`${b!}/metrics`).then((r) => r.text());
    const lost = [
      ...metrics.matchAll(/weir_cluster_leases_lost_total\{reason="(lapsed|fenced)"\} (\d+)/g),
    ]
      .map((m) => Number(m[2]))
      .reduce((x, y) => x + y, 0);
    expect(lost).toBeGreaterThanOrEqual(frozenOwns.length);

    for (let partition = 0; partition < PARTITIONS; partition++) {
      const records = await readAll(a!, 'ledger', partition);
      expect(records.map((r) => r.offset)).toEqual(records.map((_r, i) => i));
      const values = records.map((r) => r.value as string);
      expect(new Set(values).size).toBe(values.length);
      for (const ack of acknowledged.filter((x) => x.partition === partition)) {
        expect(records[ack.offset]?.value).toBe(ack.value);
      }
      expect(values).toContain(`taken-${partition}`);
      expect(values).toContain(`after-${partition}`);
    }
  });
});
