import { ClientProxy, MsPattern, ReadPacket, WritePacket } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  Admin,
  PartitionReader,
  Producer,
  ProducerOptions,
  type RecordMetadata,
  WeirError,
  WeirErrorCode,
} from '@weir/client';
import { ReplyWaiters } from './reply-waiters';
import { tokenOf } from './token-option';
import { WeirEvent, WeirEventsMap, WeirHeader, WeirStatus } from './weir-headers';

export interface ClientWeirOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` with every request. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  /**
   * The topic replies come back on (the server answers on its partition 0). Default:
   * `replies.<random id>`, created with one partition (retention 1 hour) at the first `send`,
   * and deleted at `close`.
   */
  replyTopic?: string;
  /** How long `send` waits for its reply to end (default 30,000 ms). */
  replyTimeoutMs?: number;
  /** Batching and retries of the records this client produces. */
  producer?: Omit<ProducerOptions, 'url'>;
}

const REPLY_RETENTION_MS = 3600_000;

/**
 * A Nest `ClientProxy` on Weir. `emit(topic, data)` produces `data` as a record's value to
 * `topic` and completes once it is durable. `send(topic, data)` produces it with
 * `weir-reply-to` (this client's reply topic) and `weir-correlation-id` headers, reads the
 * reply topic and completes with what the `ServerWeir` message handler answered, or fails with
 * its error or a `TIMEOUT`. Patterns are topic names.
 */
export class ClientWeir extends ClientProxy<WeirEventsMap, WeirStatus> {
  private readonly producer: Producer;
  private readonly replies = new ReplyWaiters();
  private readonly events = new EventEmitter();
  private readonly replyTopic: string;
  private reader: PartitionReader | undefined;
  /** The reply topic and its one reader, opened by the first `send` and shared by all. */
  private replyChannel: Promise<void> | undefined;

  constructor(private readonly options: ClientWeirOptions) {
    super();
    this.producer = new Producer({
      lingerMs: 1,
      ...options.producer,
      url: options.url,
      ...tokenOf(options),
    });
    this.replyTopic = options.replyTopic ?? `replies.${randomUUID()}`;
    this.events.on(WeirEvent.ERROR, () => undefined);
  }

  /**
   * Nest calls it before every `emit` and `send`: nothing to open (requests go over HTTP), so it
   * only reports the client connected. The reply topic is opened by the first `send`.
   */
  connect(): Promise<void> {
    this._status$.next(WeirStatus.CONNECTED);
    return Promise.resolve();
  }

  /** Fails waiting requests, flushes produced records, stops reading replies. */
  async close(): Promise<void> {
    const channel = this.replyChannel;
    this.replyChannel = undefined;
    this.replies.failAll(new WeirError(WeirErrorCode.CLOSED, 'the client closed'));
    const hadReplyTopic =
      channel !== undefined &&
      (await channel.then(
        () => true,
        () => false,
      ));
    await this.reader?.stop();
    this.reader = undefined;
    await this.producer.flush();
    if (hadReplyTopic && this.options.replyTopic === undefined) {
      await new Admin(this.options.url, tokenOf(this.options))
        .deleteTopic(this.replyTopic)
        .catch((error: unknown) => this.events.emit(WeirEvent.ERROR, error));
    }
    this._status$.next(WeirStatus.DISCONNECTED);
  }

  override on<
    K extends keyof WeirEventsMap = keyof WeirEventsMap,
    C extends WeirEventsMap[K] = WeirEventsMap[K],
  >(event: K, callback: C): void {
    this.events.on(event, callback);
  }

  /** The underlying Producer. */
  unwrap<T>(): T {
    return this.producer as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const correlationId = randomUUID();
    const cancel = this.replies.expect(
      correlationId,
      callback,
      this.options.replyTimeoutMs ?? 30_000,
    );
    const headers = {
      [WeirHeader.REPLY_TO]: this.replyTopic,
      [WeirHeader.CORRELATION_ID]: correlationId,
    };
    this.openReplyChannel()
      .then(() => this.producer.produce(this.topicOf(packet), [{ value: packet.data, headers }]))
      .catch((error: unknown) => this.replies.fail(correlationId, error));
    return cancel;
  }

  protected async dispatchEvent<T = RecordMetadata[]>(packet: ReadPacket): Promise<T> {
    const metadata = await this.producer.produce(this.topicOf(packet), [{ value: packet.data }]);
    return metadata as T;
  }

  /** The topic a pattern names: the pattern itself (an object pattern becomes its JSON). */
  private topicOf(packet: ReadPacket): string {
    const pattern: unknown = packet.pattern;
    return typeof pattern === 'string' ? pattern : this.normalizePattern(pattern as MsPattern);
  }

  /** Opens the reply topic and its reader once; a failed opening is tried again next time. */
  private openReplyChannel(): Promise<void> {
    this.replyChannel ??= this.openReplyTopic().catch((error: unknown) => {
      this.replyChannel = undefined;
      throw error;
    });
    return this.replyChannel;
  }

  private async openReplyTopic(): Promise<void> {
    const admin = new Admin(this.options.url, tokenOf(this.options));
    await admin.createTopic(this.replyTopic, {
      partitions: 1,
      config: { retentionMs: REPLY_RETENTION_MS },
      ifNotExists: true,
    });
    const topic = await admin.describeTopic(this.replyTopic);
    this.reader = new PartitionReader({
      url: this.options.url,
      ...tokenOf(this.options),
      topic: this.replyTopic,
      partition: 0,
      fromOffset: topic.partitions[0]?.logEndOffset ?? 0,
      onRecords: (records) => this.replies.deliver(records),
      onError: (error) => this.events.emit(WeirEvent.ERROR, error),
    });
    this.reader.start();
  }
}
