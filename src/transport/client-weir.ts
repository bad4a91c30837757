import { ClientProxy, MsPattern, ReadPacket, WritePacket } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Admin } from '../../client/src/admin';
import { WeirError, WeirErrorCode } from '../../client/src/errors';
import { PartitionReader } from '../../client/src/partition-reader';
import { Producer, ProducerOptions } from '../../client/src/producer';
import type { RecordMetadata } from '../../client/src/records';
import { ReplyWaiters } from './reply-waiters';
import { WeirEvent, WeirEventsMap, WeirHeader, WeirStatus } from './weir-headers';

export interface ClientWeirOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /**
   * The one-partition topic replies come back on. Default: `replies.<random id>`, created at
   * `connect` (retention 1 hour) and deleted at `close`.
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
  private connection: Promise<void> | undefined;

  constructor(private readonly options: ClientWeirOptions) {
    super();
    this.producer = new Producer({ lingerMs: 1, ...options.producer, url: options.url });
    this.replyTopic = options.replyTopic ?? `replies.${randomUUID()}`;
    this.events.on(WeirEvent.ERROR, () => undefined);
  }

  /** Creates the reply topic and starts reading it; repeated calls share the first. */
  connect(): Promise<void> {
    this.connection ??= this.openReplyTopic().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  /** Fails waiting requests, flushes produced records, stops reading replies. */
  async close(): Promise<void> {
    const wasConnected = this.connection !== undefined;
    this.connection = undefined;
    this.replies.failAll(new WeirError(WeirErrorCode.CLOSED, 'the client closed'));
    await this.reader?.stop();
    this.reader = undefined;
    await this.producer.flush();
    if (wasConnected && this.options.replyTopic === undefined) {
      await new Admin(this.options.url)
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
    this.producer
      .produce(this.topicOf(packet), [{ value: packet.data, headers }])
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

  private async openReplyTopic(): Promise<void> {
    const admin = new Admin(this.options.url);
    await admin.createTopic(this.replyTopic, {
      partitions: 1,
      config: { retentionMs: REPLY_RETENTION_MS },
      ifNotExists: true,
    });
    const topic = await admin.describeTopic(this.replyTopic);
    this.reader = new PartitionReader({
      url: this.options.url,
      topic: this.replyTopic,
      partition: 0,
      fromOffset: topic.partitions[0]?.logEndOffset ?? 0,
      onRecords: (records) => this.replies.deliver(records),
      onError: (error) => this.events.emit(WeirEvent.ERROR, error),
    });
    this.reader.start();
    this._status$.next(WeirStatus.CONNECTED);
  }
}
