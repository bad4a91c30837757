import { BrokerError, ErrorCode } from '../common/errors';
import type { PartitionRoute } from './cluster-runtime';
import { NotPartitionOwnerError } from './lease-store';
import { PeerCall, PeerTransport, PeerUnreachableError } from './peer-client';
import { ResetTarget, ShareResetRouter } from './share-reset-router';

const LOCAL = { kind: 'local' } as const;
const B = { kind: 'remote', nodeId: 'b', url: 'http://b', epoch: 1 } as const;
const C = { kind: 'remote', nodeId: 'c', url: 'http://c', epoch: 1 } as const;

const target = (topic: string, partition: number): ResetTarget => ({
  topic,
  topicId: topic === 'orders' ? 7 : 8,
  partition,
});

class Peers implements Pick<PeerTransport, 'post'> {
  readonly calls: Array<{ url: string; path: string; body: unknown; call: PeerCall }> = [];
  failures: Error[] = [];
  post(url: string, path: string, body: unknown, call: PeerCall): Promise<unknown> {
    this.calls.push({ url, path, body, call });
    const failure = this.failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve({});
  }
}

/** Routes by partition number; `after` replaces the routes once the directory is read again. */
const routing = (
  routes: Record<number, PartitionRoute>,
  after?: Record<number, PartitionRoute>,
) => ({
  clustered: true,
  refreshes: 0,
  route(_topicId: number, partition: number): PartitionRoute {
    return (this.refreshes > 0 && after ? after : routes)[partition]!;
  },
  refresh() {
    this.refreshes += 1;
    return Promise.resolve();
  },
});

describe('ShareResetRouter', () => {
  it("resets each partition at its owner: one forwarded reset per owner and topic, with the caller's token", async () => {
    const peers = new Peers();
    const local: ResetTarget[][] = [];
    const router = new ShareResetRouter(routing({ 0: LOCAL, 1: B, 2: C, 3: B }), peers);
    const targets = [0, 1, 2, 3].map((p) => target('orders', p)).concat(target('refunds', 1));
    await router.reset(
      'billing',
      'latest',
      targets,
      (part) => {
        local.push(part);
        return Promise.resolve();
      },
      { authorization: 'Bearer t' },
    );
    expect(local).toEqual([[target('orders', 0)]]);
    expect(peers.calls.map((c) => [c.url, c.path, c.body, c.call.authorization]).sort()).toEqual([
      [
        'http://b',
        '/queues/groups/billing/reset',
        { topic: 'orders', partitions: [1, 3], to: 'latest' },
        'Bearer t',
      ],
      [
        'http://b',
        '/queues/groups/billing/reset',
        { topic: 'refunds', partitions: [1], to: 'latest' },
        'Bearer t',
      ],
      [
        'http://c',
        '/queues/groups/billing/reset',
        { topic: 'orders', partitions: [2], to: 'latest' },
        'Bearer t',
      ],
    ]);
  });

  it('routes a part again to the new owner when its owner does not serve it any more', async () => {
    const peers = new Peers();
    peers.failures = [new BrokerError(ErrorCode.NOT_PARTITION_OWNER, 'moved')];
    const routes = routing({ 0: B }, { 0: C });
    const router = new ShareResetRouter(routes, peers);
    await router.reset('billing', 'earliest', [target('orders', 0)], () => Promise.resolve());
    expect(routes.refreshes).toBe(1);
    expect(peers.calls.map((c) => c.url)).toEqual(['http://b', 'http://c']);
  });

  it('fails with NOT_PARTITION_OWNER when the partition misses its owner twice, after resetting the parts that could be', async () => {
    const peers = new Peers();
    peers.failures = [new PeerUnreachableError('http://b'), new PeerUnreachableError('http://b')];
    const local: ResetTarget[][] = [];
    const router = new ShareResetRouter(routing({ 0: LOCAL, 1: B }), peers);
    const reset = router.reset(
      'billing',
      'latest',
      [target('orders', 0), target('orders', 1)],
      (part) => {
        local.push(part);
        return Promise.resolve();
      },
    );
    await expect(reset).rejects.toMatchObject({
      code: ErrorCode.NOT_PARTITION_OWNER,
      details: { owner: 'b', url: 'http://b' },
    });
    expect(local).toEqual([[target('orders', 0)]]);
  });

  it('routes a local part again when this node found it does not serve the partition', async () => {
    const peers = new Peers();
    const routes = routing({ 0: LOCAL }, { 0: B });
    const router = new ShareResetRouter(routes, peers);
    await router.reset('billing', 'latest', [target('orders', 0)], () =>
      Promise.reject(new NotPartitionOwnerError(7, 0)),
    );
    expect(peers.calls.map((c) => [c.url, c.body])).toEqual([
      ['http://b', { topic: 'orders', partitions: [0], to: 'latest' }],
    ]);
  });

  it('resets everything here on a single node, without routing', async () => {
    const peers = new Peers();
    const local: ResetTarget[][] = [];
    const single = { clustered: false, route: () => B, refresh: () => Promise.resolve() };
    const router = new ShareResetRouter(single, peers);
    await router.reset('billing', 'latest', [target('orders', 0), target('orders', 1)], (part) => {
      local.push(part);
      return Promise.resolve();
    });
    expect(local).toEqual([[target('orders', 0), target('orders', 1)]]);
    expect(peers.calls).toEqual([]);
  });
});
