import { BrokerError, ErrorCode } from '../common/errors';
import type { PartitionRoute } from './cluster-runtime';
import { PeerCall, PeerTransport, PeerUnreachableError } from './peer-client';
import { ReadRequest, ReadRouter } from './read-router';

const B = { kind: 'remote', nodeId: 'b', url: 'http://b', epoch: 1 } as const;
const C = { kind: 'remote', nodeId: 'c', url: 'http://c', epoch: 2 } as const;
const REQUEST: ReadRequest = {
  topic: 'orders',
  topicId: 7,
  partition: 1,
  offset: 5,
  maxRecords: 10,
  waitMs: 1_000,
};

class Peers implements Pick<PeerTransport, 'get'> {
  readonly calls: Array<[string, string, PeerCall]> = [];
  readonly failing = new Map<string, Error>();
  get(url: string, path: string, call: PeerCall): Promise<Buffer> {
    this.calls.push([url, path, call]);
    const failure = this.failing.get(url);
    return failure ? Promise.reject(failure) : Promise.resolve(Buffer.from(`from ${url}`));
  }
}

const routing = (first: PartitionRoute, then: PartitionRoute = first) => ({
  clustered: true,
  refreshed: false,
  route() {
    return this.refreshed ? then : first;
  },
  refresh() {
    this.refreshed = true;
    return Promise.resolve();
  },
});

const local = () => Promise.resolve(Buffer.from('from here'));

describe('ReadRouter', () => {
  it("passes a read of another node's partition to its owner, query and credentials included", async () => {
    const peers = new Peers();
    const router = new ReadRouter(routing(B), peers, local);
    const answer = await router.read(REQUEST, { authorization: 'Bearer t' });
    expect(answer.toString()).toBe('from http://b');
    expect(peers.calls).toEqual([
      [
        'http://b',
        '/topics/orders/partitions/1/records?maxRecords=10&waitMs=1000&offset=5',
        { authorization: 'Bearer t', timeoutMs: 11_000 },
      ],
    ]);
  });

  it('reads here what this node owns, and when the owner cannot answer twice', async () => {
    expect(
      (
        await new ReadRouter(routing({ kind: 'local' }), new Peers(), local).read(REQUEST)
      ).toString(),
    ).toBe('from here');
    const peers = new Peers();
    peers.failing.set('http://b', new PeerUnreachableError('http://b'));
    peers.failing.set('http://c', new BrokerError(ErrorCode.NOT_PARTITION_OWNER, 'moved'));
    const answer = await new ReadRouter(routing(B, C), peers, local).read(REQUEST);
    expect(answer.toString()).toBe('from here');
    expect(peers.calls.map(([url]) => url)).toEqual(['http://b', 'http://c']);
  });

  it("passes the owner's refusal of a bad read on as it is", async () => {
    const peers = new Peers();
    peers.failing.set('http://b', new BrokerError(ErrorCode.OFFSET_OUT_OF_RANGE, 'too far'));
    await expect(new ReadRouter(routing(B), peers, local).read(REQUEST)).rejects.toMatchObject({
      code: 'OFFSET_OUT_OF_RANGE',
    });
  });
});
