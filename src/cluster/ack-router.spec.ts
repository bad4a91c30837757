import { formatReceipt } from '../modules/queues/domain/receipt';
import { AckRouter, RoutedAckResult } from './ack-router';
import type { PartitionRoute } from './cluster-runtime';
import { PeerCall, PeerTransport, PeerUnreachableError } from './peer-client';

const LOCAL = { kind: 'local' } as const;
const B = { kind: 'remote', nodeId: 'b', url: 'http://b', epoch: 1 } as const;

const receipt = (partition: number, offset: number) =>
  formatReceipt({ groupId: 3, topicId: 7, partition, offset, token: 'abcdef0123456789' });
const accept = (partition: number, offset: number) => ({
  receipt: receipt(partition, offset),
  type: 'accept',
});

/** Answers each ack ok, saying who applied it in `lockExpiresAtMs` (1 here, 2 at the peer). */
const applied = (by: number) => (acks: readonly unknown[]) =>
  acks.map((a) => ({ receipt: (a as { receipt: string }).receipt, ok: true, lockExpiresAtMs: by }));

class Peers implements Pick<PeerTransport, 'post'> {
  readonly calls: Array<{ path: string; acks: unknown[]; call: PeerCall }> = [];
  failure: Error | null = null;
  post(_url: string, path: string, body: unknown, call: PeerCall): Promise<unknown> {
    const acks = (body as { acks: unknown[] }).acks;
    this.calls.push({ path, acks, call });
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve({ results: applied(2)(acks) });
  }
}

const routing = (routes: Record<number, PartitionRoute>) => ({
  clustered: true,
  refreshes: 0,
  route: (_topicId: number, partition: number) => routes[partition]!,
  refresh() {
    this.refreshes += 1;
    return Promise.resolve();
  },
});

describe('AckRouter', () => {
  it("applies each acknowledgement at the owner of its receipt's partition and answers in request order", async () => {
    const peers = new Peers();
    const local: unknown[][] = [];
    const router = new AckRouter(routing({ 0: LOCAL, 1: B }), peers, (_g, acks) => {
      local.push([...acks]);
      return Promise.resolve(applied(1)(acks) as RoutedAckResult[]);
    });
    const acks = [
      accept(1, 5),
      accept(0, 2),
      { receipt: 'not-ours', type: 'accept' },
      accept(1, 6),
    ];
    const results = await router.acknowledge('workers', acks, { authorization: 'Bearer t' });
    expect(results.map((r) => [r.receipt, r.ok && r.lockExpiresAtMs])).toEqual([
      [receipt(1, 5), 2],
      [receipt(0, 2), 1],
      ['not-ours', 1],
      [receipt(1, 6), 2],
    ]);
    expect(local).toEqual([[acks[1], acks[2]]]);
    expect(peers.calls.map((c) => [c.path, c.acks, c.call.authorization])).toEqual([
      ['/queues/groups/workers/acks', [acks[0], acks[3]], 'Bearer t'],
    ]);
  });

  it('answers NOT_PARTITION_OWNER for each item of an owner that cannot be reached, and applies the others', async () => {
    const peers = new Peers();
    peers.failure = new PeerUnreachableError('http://b');
    const routes = routing({ 0: LOCAL, 1: B });
    const router = new AckRouter(routes, peers, (_g, acks) =>
      Promise.resolve(applied(1)(acks) as RoutedAckResult[]),
    );
    const results = await router.acknowledge('workers', [accept(1, 5), accept(0, 2)]);
    expect(results[0]).toMatchObject({
      receipt: receipt(1, 5),
      ok: false,
      error: { code: 'NOT_PARTITION_OWNER', details: { owner: 'b', url: 'http://b' } },
    });
    expect(results[1]).toMatchObject({ receipt: receipt(0, 2), ok: true });
    expect(routes.refreshes).toBe(1);
    expect(peers.calls).toHaveLength(2);
  });

  it("routes an ack frame's items by the group and partition each receipt names, and answers the rest here", async () => {
    const peers = new Peers();
    const local: Array<[string | undefined, unknown[]]> = [];
    const router = new AckRouter(routing({ 0: LOCAL, 1: B }), peers, (group, acks) => {
      local.push([group, [...acks]]);
      return Promise.resolve(applied(1)(acks) as RoutedAckResult[]);
    });
    const ofGroup = (groupId: number, partition: number) => ({
      receipt: formatReceipt({
        groupId,
        topicId: 7,
        partition,
        offset: 1,
        token: 'abcdef0123456789',
      }),
      type: 'accept',
    });
    const acks = [ofGroup(3, 1), ofGroup(4, 1), ofGroup(9, 1), ofGroup(3, 0), 'junk'];
    const names: Record<number, string> = { 3: 'billing', 4: 'audit' };
    const results = await router.acknowledgeByReceipt(acks, (id) => names[id], {
      authorization: 'Bearer t',
    });
    expect(results.map((r) => r.ok && r.lockExpiresAtMs)).toEqual([2, 2, 1, 1, 1]);
    expect(peers.calls.map((c) => [c.path, c.acks, c.call.authorization])).toEqual([
      ['/queues/groups/billing/acks', [acks[0]], 'Bearer t'],
      ['/queues/groups/audit/acks', [acks[1]], 'Bearer t'],
    ]);
    // group 9 is not known here (deleted): answered here, as on a single node
    expect(local).toEqual([
      ['billing', [acks[3]]],
      [undefined, [acks[2], acks[4]]],
    ]);
  });

  it('acknowledges an ack frame here, naming no group, on a single node', async () => {
    const peers = new Peers();
    const local: Array<string | undefined> = [];
    const router = new AckRouter({ ...routing({}), clustered: false }, peers, (group, acks) => {
      local.push(group);
      return Promise.resolve(applied(1)(acks) as RoutedAckResult[]);
    });
    await router.acknowledgeByReceipt([accept(1, 5)], () => 'billing');
    expect(local).toEqual([undefined]);
    expect(peers.calls).toEqual([]);
  });
});
