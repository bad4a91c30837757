import { BrokerError, ErrorCode, PartitionOwnerUnavailableError } from '../common/errors';
import type { RecordInput } from '../modules/topics/domain/record-codec';
import type { PartitionRoute } from './cluster-runtime';
import { NotPartitionOwnerError } from './lease-store';
import { PeerCall, PeerTransport, PeerUnreachableError } from './peer-client';
import { LocalProducer, ProducedPosition, ProduceRouter, ProduceTopic } from './produce-router';

const TOPIC: ProduceTopic = { id: 7, name: 'orders' };
const B = { kind: 'remote', nodeId: 'b', url: 'http://b', epoch: 1 } as const;
const C = { kind: 'remote', nodeId: 'c', url: 'http://c', epoch: 1 } as const;
const LOCAL = { kind: 'local' } as const;

/** Owners by partition, before and after the directory is read again. */
class Routing {
  readonly clustered = true;
  refreshes = 0;
  constructor(
    private now: Record<number, PartitionRoute>,
    private readonly afterRefresh: Record<number, PartitionRoute> = now,
  ) {}
  route = (_topicId: number, partition: number) => this.now[partition]!;
  refresh = () => {
    this.refreshes += 1;
    this.now = this.afterRefresh;
    return Promise.resolve();
  };
}

/** Peers that append as an owner would (offsets per partition from 100), or fail. */
class Peers implements Pick<PeerTransport, 'post'> {
  readonly calls: Array<{ url: string; path: string; partitions: number[]; call: PeerCall }> = [];
  readonly failing = new Map<string, Error>();
  private readonly next = new Map<number, number>();

  post(url: string, path: string, body: unknown, call: PeerCall): Promise<unknown> {
    const records = (body as { records: RecordInput[] }).records;
    this.calls.push({ url, path, partitions: records.map((r) => r.partition!), call });
    const failure = this.failing.get(url);
    if (failure) return Promise.reject(failure);
    return Promise.resolve({ offsets: records.map((r) => this.append(r.partition!)) });
  }

  private append(partition: number): ProducedPosition {
    const offset = this.next.get(partition) ?? 100;
    this.next.set(partition, offset + 1);
    return { partition, offset };
  }
}

/** This node: partitions from the records' `value.p`, offsets per partition from 0. */
class Local implements LocalProducer {
  readonly produced: number[][] = [];
  private readonly next = new Map<number, number>();
  failWith: Error | null = null;

  assignPartitions(_topic: string, inputs: readonly RecordInput[]) {
    return Promise.resolve({
      topic: TOPIC,
      partitions: inputs.map((input) => (input.value as { p: number }).p),
    });
  }

  produce(_topic: string, inputs: readonly RecordInput[]): Promise<ProducedPosition[]> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.produced.push(inputs.map((input) => input.partition!));
    return Promise.resolve(
      inputs.map((input) => {
        const offset = this.next.get(input.partition!) ?? 0;
        this.next.set(input.partition!, offset + 1);
        return { partition: input.partition!, offset };
      }),
    );
  }
}

const records = (...partitions: number[]): RecordInput[] =>
  partitions.map((p, i) => ({ key: `k${i}`, value: { p } }));

describe('ProduceRouter', () => {
  it('appends here at once when this node owns every partition of the request', async () => {
    const local = new Local();
    const peers = new Peers();
    const router = new ProduceRouter(new Routing({ 0: LOCAL, 1: LOCAL }), peers, local);
    expect(await router.produce(TOPIC.name, records(1, 0, 1))).toEqual([
      { partition: 1, offset: 0 },
      { partition: 0, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    expect(local.produced).toEqual([[1, 0, 1]]);
    expect(peers.calls).toEqual([]);
  });

  it('splits a request by owner, forwards partition-explicit parts with the caller credentials and answers in request order', async () => {
    const local = new Local();
    const peers = new Peers();
    const router = new ProduceRouter(new Routing({ 0: LOCAL, 1: B, 2: C }), peers, local);
    const answer = await router.produce(TOPIC.name, records(2, 0, 1, 1, 0, 2), {
      authorization: 'Bearer t',
    });
    expect(answer).toEqual([
      { partition: 2, offset: 100 },
      { partition: 0, offset: 0 },
      { partition: 1, offset: 100 },
      { partition: 1, offset: 101 },
      { partition: 0, offset: 1 },
      { partition: 2, offset: 101 },
    ]);
    expect(local.produced).toEqual([[0, 0]]);
    const forwarded = peers.calls.map((c) => [c.url, c.path, c.partitions, c.call.authorization]);
    expect(forwarded.sort()).toEqual([
      ['http://b', '/topics/orders/records', [1, 1], 'Bearer t'],
      ['http://c', '/topics/orders/records', [2, 2], 'Bearer t'],
    ]);
  });

  it('reads the directory again and retries once on the new owner when the old one does not answer', async () => {
    const local = new Local();
    const peers = new Peers();
    peers.failing.set('http://b', new PeerUnreachableError('http://b'));
    const routing = new Routing({ 0: LOCAL, 1: B }, { 0: LOCAL, 1: C });
    const router = new ProduceRouter(routing, peers, local);
    expect(await router.produce(TOPIC.name, records(1, 0))).toEqual([
      { partition: 1, offset: 100 },
      { partition: 0, offset: 0 },
    ]);
    expect(routing.refreshes).toBe(1);
    expect(peers.calls.map((c) => c.url)).toEqual(['http://b', 'http://c']);
  });

  it('appends here a part this node gained meanwhile, and retries its own part elsewhere when it lost the lease', async () => {
    const local = new Local();
    local.failWith = new NotPartitionOwnerError(TOPIC.id, 0);
    const peers = new Peers();
    const routing = new Routing({ 0: LOCAL, 1: B }, { 0: B, 1: B });
    const router = new ProduceRouter(routing, peers, local);
    expect(await router.produce(TOPIC.name, records(0, 1))).toEqual([
      { partition: 0, offset: 100 },
      { partition: 1, offset: 100 },
    ]);
    expect(peers.calls.map((c) => c.partitions)).toEqual([[1], [0]]);
  });

  it('looks each partition of a request up once per routing round, not once per record', async () => {
    const local = new Local();
    const peers = new Peers();
    peers.failing.set('http://b', new PeerUnreachableError('http://b'));
    const routing = new Routing({ 0: LOCAL, 1: B }, { 0: LOCAL, 1: C });
    const lookups: number[] = [];
    const route = routing.route;
    routing.route = (topicId, partition) => {
      lookups.push(partition);
      return route(topicId, partition);
    };
    const router = new ProduceRouter(routing, peers, local);
    const answer = await router.produce(TOPIC.name, records(1, 0, 1, 1, 0, 1));
    expect(answer.map((p) => p.partition)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(lookups.sort()).toEqual([0, 1, 1]);
    expect(peers.calls.map((c) => [c.url, c.partitions])).toEqual([
      ['http://b', [1, 1, 1, 1]],
      ['http://c', [1, 1, 1, 1]],
    ]);
  });

  it('answers NOT_PARTITION_OWNER 503 with the owner, its url and what the other parts wrote, when the retry fails too', async () => {
    const local = new Local();
    const peers = new Peers();
    peers.failing.set('http://b', new PeerUnreachableError('http://b'));
    const router = new ProduceRouter(new Routing({ 0: LOCAL, 1: B }), peers, local);
    const failure = await router.produce(TOPIC.name, records(0, 1, 0)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PartitionOwnerUnavailableError);
    expect((failure as BrokerError).code).toBe(ErrorCode.NOT_PARTITION_OWNER);
    expect((failure as BrokerError).details).toEqual({
      owner: 'b',
      url: 'http://b',
      offsets: [{ partition: 0, offset: 0 }, null, { partition: 0, offset: 1 }],
    });
    expect(peers.calls).toHaveLength(2);
  });

  it('answers NOT_PARTITION_OWNER for records of a partition that no node serves, after reading the directory again', async () => {
    const unowned = { kind: 'unowned', nodeId: 'b', url: 'http://b', epoch: 1 } as const;
    const routing = new Routing({ 0: unowned });
    const router = new ProduceRouter(routing, new Peers(), new Local());
    await expect(router.produce(TOPIC.name, records(0))).rejects.toMatchObject({
      code: 'NOT_PARTITION_OWNER',
      details: { owner: 'b', url: 'http://b', offsets: [null] },
    });
    expect(routing.refreshes).toBe(1);
  });

  it('passes an owner refusal that is not about ownership through as it is, without a retry', async () => {
    const peers = new Peers();
    peers.failing.set('http://b', new BrokerError(ErrorCode.TOPIC_NOT_FOUND, 'gone'));
    const routing = new Routing({ 0: LOCAL, 1: B });
    const router = new ProduceRouter(routing, peers, new Local());
    await expect(router.produce(TOPIC.name, records(1, 0))).rejects.toMatchObject({
      code: 'TOPIC_NOT_FOUND',
      details: { offsets: [null, { partition: 0, offset: 0 }] },
    });
    expect(routing.refreshes).toBe(0);
  });
});

describe('ProduceRouter on a single node', () => {
  it('hands the request to the local produce as it came, without picking partitions first', async () => {
    const local = new Local();
    const assign = jest.spyOn(local, 'assignPartitions');
    const single = { clustered: false, route: () => LOCAL, refresh: () => Promise.resolve() };
    const router = new ProduceRouter(single, new Peers(), local);
    const answer = await router.produce(TOPIC.name, [{ value: { p: 0 }, partition: 0 }]);
    expect(answer).toEqual([{ partition: 0, offset: 0 }]);
    expect(assign).not.toHaveBeenCalled();
  });
});
