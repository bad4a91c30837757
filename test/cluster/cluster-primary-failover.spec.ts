import { WeirCluster } from '../support/weir-cluster';
import { call, callUntilOk, readAll } from './cluster-client';

const PARTITIONS = 3;
const LEASE_MS = 2_000;

describe('three Weir nodes over PostgreSQL: the primary is lost', () => {
  let cluster: WeirCluster;

  beforeAll(async () => {
    cluster = await WeirCluster.start({ nodes: 3, leaseMs: LEASE_MS });
  }, 180_000);
  afterAll(() => cluster?.stop());

  it('takes produces again through every node after the standby is promoted, with every record acknowledged before and after', async () => {
    const urls = cluster.nodes.map((n) => n.url);
    await callUntilOk(
      urls[0]!,
      'POST',
      '/topics',
      { name: 'audit', partitions: PARTITIONS },
      10_000,
    );
    await cluster.waitForOwners('node-1', 'audit', PARTITIONS, 4 * LEASE_MS);
    const acknowledged: Array<{ value: string; partition: number; offset: number }> = [];
    const produceThrough = async (url: string, value: string, timeoutMs: number) => {
      const records = Array.from({ length: PARTITIONS }, (_x, p) => ({
        value: `${value}-${p}`,
        partition: p,
      }));
      const answer = await callUntilOk(
        url,
        'POST',
        '/topics/audit/records',
        { records },
        timeoutMs,
      );
      const offsets = (answer.body as { offsets: Array<{ partition: number; offset: number }> })
        .offsets;
      records.forEach((r, i) => acknowledged.push({ value: r.value, ...offsets[i]! }));
    };
    for (const [i, url] of urls.entries()) await produceThrough(url, `before-${i}`, 10_000);

    await cluster.postgres.killPrimary();
    const during = await call(
      urls[0]!,
      'POST',
      '/topics/audit/records',
      {
        records: [{ value: 'during', partition: 0 }],
      },
      20_000,
    );
    expect([0, 200, 503]).toContain(during.status);
    if (during.status === 200) {
      const [at] = (during.body as { offsets: Array<{ partition: number; offset: number }> })
        .offsets;
      acknowledged.push({ value: 'during', ...at! });
    }
    await cluster.postgres.promoteStandby();

    for (const [i, url] of urls.entries()) await produceThrough(url, `after-${i}`, 60_000);

    for (let partition = 0; partition < PARTITIONS; partition++) {
      const records = await readAll(urls[1]!, 'audit', partition);
      expect(records.map((r) => r.offset)).toEqual(records.map((_r, i) => i));
      for (const ack of acknowledged.filter((a) => a.partition === partition)) {
        expect(records[ack.offset]?.value).toBe(ack.value);
      }
    }
  });
});
