import { WsTestClient } from '../support/ws-client';
import { ReceivedRecord } from './cluster-client';

type Frame = Record<string, unknown>;

/**
 * A share-group worker over WebSocket on one node: subscribes with `credit`, acknowledges what
 * is pushed over the same socket (accept, or nothing when it holds its records) and grants the
 * credit back once the `acked` answer came. Keeps every delivery, every accepted record, and
 * every failed acknowledgement.
 */
export class WsShareWorker {
  readonly deliveries: ReceivedRecord[] = [];
  readonly accepted: ReceivedRecord[] = [];
  readonly failures: string[] = [];
  subscriptionId = '';
  private nextRequestId = 1;
  private readonly pendingAcks = new Map<string, ReceivedRecord[]>();

  private constructor(
    readonly client: WsTestClient,
    private readonly hold: boolean,
  ) {}

  /** Connects to the node at `url` and subscribes to `group` in mode `share`. */
  static async start(
    url: string,
    group: string,
    options: { credit: number; lockDurationMs: number; hold?: boolean; memberId?: string },
  ): Promise<WsShareWorker> {
    const client = await WsTestClient.connect(`${url.replace(/^http/, 'ws')}/ws`);
    const worker = new WsShareWorker(client, options.hold ?? false);
    client.socket.on('message', (data) =>
      worker.onFrame(JSON.parse((data as Buffer).toString('utf8')) as Frame),
    );
    const answer = await client.request(
      {
        type: 'subscribe',
        mode: 'share',
        group,
        credit: options.credit,
        lockDurationMs: options.lockDurationMs,
        ...(options.memberId ? { memberId: options.memberId } : {}),
      },
      15_000,
    );
    if (answer.type !== 'subscribed') throw new Error(`subscribe: ${JSON.stringify(answer)}`);
    worker.subscriptionId = String(answer.subscriptionId);
    return worker;
  }

  /** Unsubscribes and waits for the answer (sent once what it held is released). */
  async unsubscribe(): Promise<Frame> {
    return this.client.request(
      { type: 'unsubscribe', subscriptionId: this.subscriptionId },
      15_000,
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private onFrame(frame: Frame): void {
    if (frame.type === 'records' && frame.subscriptionId === this.subscriptionId) {
      const records = frame.records as ReceivedRecord[];
      this.deliveries.push(...records);
      if (this.hold || records.length === 0) return;
      const requestId = `ack-${this.nextRequestId++}`;
      this.pendingAcks.set(requestId, records);
      this.client.send({
        type: 'ack',
        requestId,
        acks: records.map((r) => ({ receipt: r.receipt, type: 'accept' })),
      });
      return;
    }
    const records = this.pendingAcks.get(String(frame.requestId));
    if (!records) {
      if (frame.type === 'error') this.failures.push(JSON.stringify(frame));
      return;
    }
    this.pendingAcks.delete(String(frame.requestId));
    if (frame.type !== 'acked') {
      this.failures.push(`ack: ${JSON.stringify(frame)}`);
    } else {
      (frame.results as Array<{ ok: boolean }>).forEach((result, i) => {
        if (result.ok) this.accepted.push(records[i]!);
        else this.failures.push(`ack ${JSON.stringify(result)}`);
      });
    }
    this.client.send({
      type: 'credit',
      subscriptionId: this.subscriptionId,
      records: records.length,
    });
  }
}
