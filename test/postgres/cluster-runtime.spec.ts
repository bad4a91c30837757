import { Logger } from '@nestjs/common';
import { ClusterRuntime } from '../../src/cluster/cluster-runtime';
import { SystemClock } from '../../src/common/clock';
import { loadBrokerConfig } from '../../src/config/broker-config';
import { BrokerMetrics } from '../../src/metrics/broker-metrics';
import { ClusterMetrics } from '../../src/metrics/cluster-metrics';
import { timeoutsForLease } from '../../src/persistence/postgres/postgres-options';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { eventually } from '../support/eventually';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';

const LEASE_MS = 1_500;

describe('the cluster runtime on PostgreSQL', () => {
  const databases = new PostgresDatabases();
  const nodes: Array<{ runtime: ClusterRuntime; storage: PostgresStorage; stopped: boolean }> = [];
  let url: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await databases.start();
  });
  afterAll(async () => {
    for (const node of nodes.filter((n) => !n.stopped)) await stop(node);
    await databases.stop();
  });
  beforeEach(async () => {
    url = await databases.fresh();
  });

  const start = async (nodeId: string) => {
    const storage = await databases.open(url, timeoutsForLease(LEASE_MS));
    const config = loadBrokerConfig({
      WEIR_NODE_ID: nodeId,
      WEIR_ADVERTISED_URL: `http://127.0.0.1/${nodeId}`,
      WEIR_LEASE_MS: String(LEASE_MS),
    });
    const runtime = new ClusterRuntime(
      storage,
      new SystemClock(),
      config,
      new ClusterMetrics(new BrokerMetrics()),
    );
    await runtime.onApplicationBootstrap();
    const node = { runtime, storage, stopped: false };
    nodes.push(node);
    return node;
  };
  const stop = async (node: (typeof nodes)[number]) => {
    node.stopped = true;
    await node.runtime.beforeApplicationShutdown();
    await node.runtime.onApplicationShutdown();
  };

  it('spreads the partitions over two nodes, fences each write with the epoch its node holds, and hands everything over at shutdown', async () => {
    const a = await start('node-a');
    const topic = await a.storage.catalogue.createTopic('orders', 4, TOPIC_CONFIG, 1);
    const b = await start('node-b');
    await eventually(
      () => a.runtime.ownedLeases().length === 2 && b.runtime.ownedLeases().length === 2,
      6 * LEASE_MS,
      'two partitions each',
    );
    const ofA = a.runtime.ownedLeases()[0]!.partition;
    const ofB = b.runtime.ownedLeases()[0]!.partition;
    const append = (node: typeof a, partition: number) =>
      node.storage.log.append([{ topicId: topic.id, partition, records: [jsonRecord('x')] }]);

    expect(await append(a, ofA)).toEqual([0]);
    await expect(append(a, ofB)).rejects.toMatchObject({ code: 'NOT_PARTITION_OWNER' });
    expect(await append(b, ofB)).toEqual([0]);
    await eventually(
      () => a.runtime.route(topic.id, ofB).kind === 'remote',
      3 * LEASE_MS,
      'a routes to b',
    );
    expect(a.runtime.route(topic.id, ofB)).toMatchObject({
      nodeId: 'node-b',
      url: 'http://127.0.0.1/node-b',
    });
    const snapshot = a.runtime.snapshot()!;
    expect(snapshot.nodes.map((n) => [n.nodeId, n.alive])).toEqual([
      ['node-a', true],
      ['node-b', true],
    ]);

    const epochOfB = b.runtime.ownedLeases().find((l) => l.partition === ofB)!.epoch;
    await stop(b);
    await eventually(() => a.runtime.ownedLeases().length === 4, 3 * LEASE_MS, 'a takes all');
    expect(a.runtime.ownedLeases().find((l) => l.partition === ofB)!.epoch).toBe(epochOfB + 1);
    expect(await append(a, ofB)).toEqual([1]);
  });
});
