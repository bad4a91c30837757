import { RecordLogService } from '../../src/modules/topics/record-log.service';
import { eventually } from '../support/eventually';
import { StreamClient } from '../support/stream-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { WsTestClient } from '../support/ws-client';

/** A WebSocket stream subscriber that checks every `records` frame against its credit. */
class StreamSubscriber {
  granted = 0;
  received: any[] = [];
  readonly overdrawn: string[] = [];
  subscriptionId = '';
  memberId = '';

  private constructor(readonly ws: WsTestClient) {
    ws.socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8'));
      if (frame.type !== 'records') return;
      this.received.push(...frame.records);
      if (this.received.length > this.granted) {
        this.overdrawn.push(`${this.received.length} records pushed, ${this.granted} granted`);
      }
    });
  }

  static async subscribe(url: string, group: string, topics: string[], credit: number) {
    const subscriber = new StreamSubscriber(await WsTestClient.connect(url));
    subscriber.granted = credit;
    const answer = await subscriber.ws.request({
      type: 'subscribe',
      mode: 'stream',
      group,
      topics,
      credit,
      autoOffsetReset: 'earliest',
    });
    expect(answer).toMatchObject({ type: 'subscribed', generation: expect.any(Number) });
    subscriber.subscriptionId = answer.subscriptionId as string;
    subscriber.memberId = answer.memberId as string;
    return subscriber;
  }

  grant(records: number): void {
    this.granted += records;
    this.ws.send({ type: 'credit', subscriptionId: this.subscriptionId, records });
  }

  /** Waits for an assignment frame of `count` partitions. */
  assignmentOf(count: number): Promise<any> {
    return this.ws.waitFor(
      (f) => f.type === 'assignment' && (f.assignment as unknown[]).length === count,
    );
  }

  /** A round trip on the socket: frames pushed before it was answered have arrived. */
  async barrier(topic: string): Promise<void> {
    const answer = await this.ws.request({
      type: 'produce',
      topic,
      records: [{ value: 'barrier' }],
    });
    expect(answer.type).toBe('produced');
  }
}

describe('WebSocket stream subscriptions', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let client: StreamClient;
  const sockets: WsTestClient[] = [];

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    client = new StreamClient(broker.url, 'pushed');
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) await ws.close();
    await broker.close();
    dir.remove();
  });

  const subscribe = async (topics: string[], credit: number) => {
    const subscriber = await StreamSubscriber.subscribe(broker.wsUrl, 'pushed', topics, credit);
    sockets.push(subscriber.ws);
    return subscriber;
  };

  it('pushes records in offset order per partition as they are produced, never more than the credit', async () => {
    await client.createTopic('flow', 2);
    const subscriber = await subscribe(['flow'], 5);
    await subscriber.assignmentOf(2);
    for (const partition of [0, 1]) {
      await client.produce(
        'flow',
        Array.from({ length: 10 }, (_x, i) => ({ partition, value: i })),
      );
    }
    await eventually(() => subscriber.received.length === 5);
    await subscriber.barrier('elsewhere');
    await client.describe();
    expect(subscriber.received).toHaveLength(5);

    subscriber.grant(7);
    await eventually(() => subscriber.received.length === 12);
    await subscriber.barrier('elsewhere');
    expect(subscriber.received).toHaveLength(12);

    subscriber.grant(100);
    await eventually(() => subscriber.received.length === 20);
    await client.produce('flow', [{ partition: 1, value: 'late' }]);
    await eventually(() => subscriber.received.length === 21);

    expect(subscriber.overdrawn).toEqual([]);
    for (const partition of [0, 1]) {
      const offsets = subscriber.received
        .filter((r) => r.partition === partition)
        .map((r) => r.offset);
      expect(offsets).toEqual([...offsets.keys()]);
    }
    expect(subscriber.received.at(-1)).toMatchObject({ partition: 1, offset: 10, value: 'late' });
  });

  it('sends an assignment frame on each change and reassigns at once when the socket closes', async () => {
    await client.createTopic('handover', 2);
    const subscriber = await subscribe(['handover'], 100);
    const first = await subscriber.assignmentOf(2);
    client.timeline.observe(subscriber.memberId, first);

    // a pushed member gives up a partition at once: the new member owns it on joining
    const h = await client.join({ topics: ['handover'], autoOffsetReset: 'earliest' });
    expect(h.assignment).toHaveLength(1);
    const shrunk = await subscriber.assignmentOf(1);
    client.timeline.observe(subscriber.memberId, shrunk);
    expect(shrunk.generation).toBe(h.generation);
    expect([...shrunk.assignment, ...h.assignment].map((p: any) => p.partition).sort()).toEqual([
      0, 1,
    ]);

    // no clock moves from here: only the leave of the closed socket can end this poll
    const waiting = client.poll(h.memberId, { waitMs: 30_000 });
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 2); // h and the pusher
    await subscriber.ws.close();
    expect((await waiting).assignment).toHaveLength(2);
    const view = await client.describe();
    expect(view.members.map((m: any) => m.memberId)).toEqual([h.memberId]);
    expect(client.timeline.conflicts()).toEqual([]);
  });

  it('commits with commit frames, fenced by ownership, and leaves on unsubscribe', async () => {
    await client.createTopic('acked', 2);
    const subscriber = await subscribe(['acked'], 100);
    await subscriber.assignmentOf(2);
    await client.produce(
      'acked',
      [0, 1, 2].map((value) => ({ partition: 0, value })),
    );
    await eventually(() => subscriber.received.length === 3);
    const commit = (offsets: object[], extra: object = {}) =>
      subscriber.ws.request({
        type: 'commit',
        subscriptionId: subscriber.subscriptionId,
        offsets,
        ...extra,
      });

    const committed = await commit([{ topic: 'acked', partition: 0, offset: 3 }]);
    expect(committed).toMatchObject({
      type: 'committed',
      subscriptionId: subscriber.subscriptionId,
    });
    expect((await client.describe()).partitions[0]).toMatchObject({ committedOffset: 3, lag: 0 });

    const foreign = await commit([{ topic: 'acked', partition: 7, offset: 0 }]);
    expect(foreign).toMatchObject({ type: 'error', error: { code: 'NOT_PARTITION_OWNER' } });
    const stale = await commit([{ topic: 'acked', partition: 0, offset: 1 }], { generation: 0 });
    expect(stale).toMatchObject({ type: 'error', error: { code: 'STALE_GENERATION' } });
    const beyond = await commit([{ topic: 'acked', partition: 0, offset: 4 }]);
    expect(beyond).toMatchObject({ type: 'error', error: { code: 'OFFSET_OUT_OF_RANGE' } });
    expect((await client.describe()).partitions[0].committedOffset).toBe(3);

    const unsubscribed = await subscriber.ws.request({
      type: 'unsubscribe',
      subscriptionId: subscriber.subscriptionId,
    });
    expect(unsubscribed.type).toBe('unsubscribed');
    expect((await client.describe()).members).toEqual([]);
  });

  it('answers a bad stream subscribe frame with an error and keeps the socket open', async () => {
    const ws = await WsTestClient.connect(broker.wsUrl);
    sockets.push(ws);
    const noTopics = await ws.request({ type: 'subscribe', mode: 'stream', group: 'g', credit: 1 });
    expect(noTopics).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    const badGroup = await ws.request({
      type: 'subscribe',
      mode: 'stream',
      group: 'no spaces',
      topics: ['t'],
      credit: 1,
    });
    expect(badGroup).toMatchObject({ type: 'error', error: { code: 'INVALID_GROUP_NAME' } });
    const ok = await ws.request({
      type: 'subscribe',
      mode: 'stream',
      group: 'g',
      topics: ['t'],
      credit: 1,
    });
    expect(ok.type).toBe('subscribed');
  });
});
