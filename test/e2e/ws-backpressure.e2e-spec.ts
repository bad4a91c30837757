import type { Socket } from 'node:net';
import request from 'supertest';
import WebSocket from 'ws';
import { ShareGroupsService } from '../../src/modules/queues/share-groups.service';
import { StreamGroupsService } from '../../src/modules/streams/stream-groups.service';
import { BrokerGateway } from '../../src/ws/broker.gateway';
import { useBroker } from '../support/broker-fixture';
import { eventually } from '../support/eventually';
import { QueueClient } from '../support/queue-client';

const BOUND_BYTES = 64 * 1024;
const READ_RECORDS = 8;
const RECORD_BYTES = 16 * 1024;
const TOTAL = 1536; // 24 MiB: far more than the kernel's socket buffers hold
const BATCH = 256;
/** The most one push adds past the bound: one frame of READ_RECORDS records. */
const ONE_FRAME_BYTES = READ_RECORDS * (RECORD_BYTES + 512);

/** A raw client that pauses its socket right after the `subscribed` answer and counts records. */
class PausingClient {
  received = 0;
  paused = false;
  subscriptionId = '';
  readonly offsets: number[] = [];
  /** The TCP socket under the WebSocket: pausing it stops reading from the network. */
  readonly tcp: Socket;

  private constructor(readonly socket: WebSocket) {
    this.tcp = (socket as unknown as { _socket: Socket })._socket;
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8'));
      if (frame.type === 'subscribed') {
        this.subscriptionId = frame.subscriptionId;
        this.tcp.pause();
        this.paused = true;
      }
      if (frame.type === 'records') {
        this.received += frame.records.length;
        for (const r of frame.records) this.offsets.push(r.offset);
      }
    });
  }

  static connect(url: string): Promise<PausingClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new PausingClient(socket)));
      socket.once('error', reject);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.terminate();
    });
  }
}

describe('WebSocket unsent bytes bound', () => {
  const fixture = useBroker({
    WEIR_WS_MAX_BUFFERED_BYTES: String(BOUND_BYTES),
    WEIR_MAX_READ_RECORDS: String(READ_RECORDS),
    WEIR_MAX_RECEIVE_RECORDS: String(READ_RECORDS),
  });
  let client: PausingClient | undefined;

  afterEach(async () => {
    await client?.close();
  });

  async function fill(topic: string): Promise<void> {
    const q = new QueueClient(fixture.broker.url);
    const value = 'x'.repeat(RECORD_BYTES);
    for (let i = 0; i < TOTAL; i += BATCH) {
      await q.produce(
        topic,
        Array.from({ length: BATCH }, () => ({ value })),
      );
    }
  }

  const bufferedBytes = () =>
    fixture.broker.app
      .get(BrokerGateway)
      .sessions()
      .reduce((n, s) => n + s.bufferedBytes, 0);

  it.each([
    ['stream', { mode: 'stream', group: 'g', topics: ['big'], autoOffsetReset: 'earliest' }],
    ['share', { mode: 'share', group: 'g', topics: ['big'], lockDurationMs: 3_600_000 }],
  ])(
    'stops pushing %s records to a socket that does not read, whatever its credit, and goes on once it reads',
    async (_mode, subscribe) => {
      await fill('big');
      client = await PausingClient.connect(fixture.broker.wsUrl);
      client.socket.send(JSON.stringify({ type: 'subscribe', credit: TOTAL * 10, ...subscribe }));

      const reader = client;
      await eventually(
        () => reader.paused && bufferedBytes() >= BOUND_BYTES,
        10_000,
        'the socket buffer fills',
      );
      // a round trip through the broker: a push loop that ignored the bound would go on meanwhile
      await request(fixture.broker.url).get('/health/live').expect(200);
      expect(bufferedBytes()).toBeLessThan(BOUND_BYTES + ONE_FRAME_BYTES);

      client.tcp.resume();
      await eventually(() => reader.received === TOTAL, 20_000, 'every record arrives');
      expect(new Set(reader.offsets).size).toBe(TOTAL);
    },
  );

  it('lets a stream member whose socket is full unsubscribe, and leave the group at once', async () => {
    await fill('big');
    client = await PausingClient.connect(fixture.broker.wsUrl);
    client.socket.send(
      JSON.stringify({
        type: 'subscribe',
        mode: 'stream',
        group: 'g',
        topics: ['big'],
        credit: TOTAL,
        autoOffsetReset: 'earliest',
      }),
    );
    const reader = client;
    await eventually(() => reader.paused && bufferedBytes() >= BOUND_BYTES, 10_000, 'full');
    const groups = fixture.broker.app.get(StreamGroupsService);
    expect(groups.get('g').group.memberIds()).toHaveLength(1);

    reader.socket.send(
      JSON.stringify({ type: 'unsubscribe', subscriptionId: reader.subscriptionId }),
    );
    // the group has no members and no committed offsets left: it is gone
    await eventually(() => groups.all().length === 0, 5000, 'the member left');
    expect(reader.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('lets a share worker whose socket is full unsubscribe, and releases what it holds at once', async () => {
    await fill('big');
    client = await PausingClient.connect(fixture.broker.wsUrl);
    client.socket.send(
      JSON.stringify({
        type: 'subscribe',
        mode: 'share',
        group: 'g',
        topics: ['big'],
        credit: TOTAL,
        lockDurationMs: 3_600_000,
      }),
    );
    const reader = client;
    await eventually(() => reader.paused && bufferedBytes() >= BOUND_BYTES, 10_000, 'full');
    const groups = fixture.broker.app.get(ShareGroupsService);
    const acquired = () =>
      [...groups.get('g').partitions.values()].reduce((n, p) => n + p.state.counts(0).acquired, 0);
    expect(acquired()).toBeGreaterThan(0);

    reader.socket.send(
      JSON.stringify({ type: 'unsubscribe', subscriptionId: reader.subscriptionId }),
    );
    // the fake clock stands still: only the unsubscribe can have released the locks
    await eventually(() => acquired() === 0, 5000, 'the records it held are released');
    expect(reader.socket.readyState).toBe(WebSocket.OPEN);
  });
});
