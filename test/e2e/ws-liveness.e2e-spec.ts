import WebSocket from 'ws';
import { RecordLogService } from '../../src/modules/topics/record-log.service';
import { BrokerGateway } from '../../src/ws/broker.gateway';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';
import { StreamClient } from '../support/stream-client';
import { WsTestClient } from '../support/ws-client';

const PING_INTERVAL_MS = 15_000;

/** Fails with `label` if `promise` has not settled within `timeoutMs` of real time. */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A client and the number of pings it received. */
class Watched {
  pings = 0;

  constructor(readonly client: WsTestClient) {
    client.socket.on('ping', () => this.pings++);
  }

  /** A round trip: the pong it sent before this request has reached the broker. */
  async barrier(): Promise<void> {
    const answer = await this.client.request({ type: 'no-such-frame' });
    expect(answer.type).toBe('error');
  }
}

describe('WebSocket liveness', () => {
  const fixture = useBroker({ WEIR_WS_PING_INTERVAL_MS: String(PING_INTERVAL_MS) });

  /** Moves the clock one ping interval and waits until every open client was pinged. */
  async function beat(clients: Watched[], answering: Watched[]): Promise<void> {
    const expected = clients.map((c) => c.pings + 1);
    fixture.broker.clock.advance(PING_INTERVAL_MS);
    await eventually(() => clients.every((c, i) => c.pings === expected[i]), 5000, 'pings');
    for (const c of answering) await c.barrier();
  }

  it('closes a socket that stops answering pings: its stream partitions and share records go to the others', async () => {
    const { url, wsUrl } = fixture.broker;
    const streams = new StreamClient(url, 'g');
    const q = new QueueClient(url);
    await streams.createTopic('live', 2);
    await q.produce('jobs', [{ value: 'a' }, { value: 'b' }]);

    const frozen = new Watched(await WsTestClient.connect(wsUrl, { autoPong: false }));
    const healthy = new Watched(await WsTestClient.connect(wsUrl));
    await frozen.client.request({
      type: 'subscribe',
      mode: 'stream',
      group: 'g',
      topics: ['live'],
      credit: 0,
    });
    await frozen.client.waitFor((f) => f.type === 'assignment');
    await frozen.client.request({
      type: 'subscribe',
      mode: 'share',
      group: 'workers',
      topics: ['jobs'],
      credit: 2,
      lockDurationMs: 3_600_000,
    });
    await frozen.client.waitFor((f) => f.type === 'records');

    const b = await streams.join({ topics: ['live'], sessionTimeoutMs: 600_000 });
    expect(b.assignment).toHaveLength(1);

    await beat([frozen, healthy], [healthy]);
    await beat([frozen, healthy], [healthy]);
    expect(frozen.client.socket.readyState).toBe(WebSocket.OPEN); // two pongs missed so far
    const reads = fixture.broker.app.get(RecordLogService);
    const sleeping = reads.waitingReads; // the frozen socket's subscriptions wait too
    const waiting = streams.poll(b.memberId, { waitMs: 30_000 });
    await eventually(() => reads.waitingReads === sleeping + 1);
    const closed = new Promise<void>((resolve) =>
      frozen.client.socket.once('close', () => resolve()),
    );
    fixture.broker.clock.advance(PING_INTERVAL_MS);
    await withDeadline(closed, 5000, 'the frozen socket closed');

    const taken = await withDeadline(waiting, 5000, "b's poll answered");
    expect(taken.assignment).toEqual([
      { topic: 'live', partition: 0 },
      { topic: 'live', partition: 1 },
    ]);
    const received = await q.receive('workers', { maxRecords: 10 });
    expect(received.records.map((r) => r.value).sort()).toEqual(['a', 'b']);

    await healthy.barrier();
    await beat([healthy], [healthy]);
    expect(healthy.client.socket.readyState).toBe(WebSocket.OPEN);
    expect(fixture.broker.app.get(BrokerGateway).sessions()).toHaveLength(1);
    await healthy.client.close();
  });
});
