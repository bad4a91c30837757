import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { requestJson } from '../../client/src/http-json';
import { Producer } from '../../client/src/producer';
import { CORRELATION_ID, REPLY_TO } from './weir-context';

export interface ClientWeirOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Topic this client reads replies from (default `reply.<random id>`). */
  replyTopic?: string;
}

interface ReplyPage {
  records: Array<{ value?: WritePacket; headers: Record<string, string> }>;
  nextOffset: number;
}

/**
 * A Nest `ClientProxy` on Weir: `emit(topic, data)` produces a record; `send(topic, data)`
 * produces one with `weir-reply-to` and `weir-correlation-id` headers and resolves with the reply
 * a `ServerWeir` message handler produces to the reply topic.
 */
export class ClientWeir extends ClientProxy {
  private readonly producer: Producer;
  private readonly replyTopic: string;
  private readonly waiting = new Map<string, (packet: WritePacket) => void>();
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ClientWeirOptions) {
    super();
    this.producer = new Producer({ url: options.url, lingerMs: 1 });
    this.replyTopic = options.replyTopic ?? `reply.${randomUUID()}`;
  }

  async connect(): Promise<void> {
    if (this.listening) return;
    await requestJson(this.options.url, 'POST', '/topics', { name: this.replyTopic }).catch(
      (error: unknown) => {
        if ((error as { code?: string }).code !== 'TOPIC_ALREADY_EXISTS') throw error;
      },
    );
    const topic = await requestJson<{ partitions: Array<{ logEndOffset: number }> }>(
      this.options.url,
      'GET',
      `/topics/${this.replyTopic}`,
    );
    this.listening = this.listen(topic.partitions[0]?.logEndOffset ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.producer.close();
    await this.listening;
  }

  unwrap<T>(): T {
    return this.producer as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const correlationId = randomUUID();
    this.waiting.set(correlationId, callback);
    this.producer
      .send(String(packet.pattern), [
        {
          value: packet.data,
          headers: { [REPLY_TO]: this.replyTopic, [CORRELATION_ID]: correlationId },
        },
      ])
      .catch((error: unknown) => {
        this.waiting.delete(correlationId);
        callback({ err: error, isDisposed: true });
      });
    return () => this.waiting.delete(correlationId);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return (await this.producer.send(String(packet.pattern), [{ value: packet.data }])) as T;
  }

  /** Long-polls the reply topic and hands each reply to the request that waits for it. */
  private async listen(from: number): Promise<void> {
    let offset = from;
    while (!this.closed) {
      try {
        const page = await requestJson<ReplyPage>(
          this.options.url,
          'GET',
          `/topics/${this.replyTopic}/partitions/0/records?offset=${offset}&waitMs=1000`,
        );
        for (const r of page.records) {
          const id = r.headers[CORRELATION_ID];
          const callback = id ? this.waiting.get(id) : undefined;
          if (callback && id && r.value) {
            this.waiting.delete(id);
            callback(r.value);
          }
        }
        offset = page.nextOffset;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
