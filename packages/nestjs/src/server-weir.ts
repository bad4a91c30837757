import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { lastValueFrom, toArray } from 'rxjs';
import {
  Admin,
  type BackoffOptions,
  NonRetriableError,
  Producer,
  type ProducerRecord,
  ShareConsumer,
  ShareGroupConfig,
  type ShareRecord,
} from '@weir/client';
import { describeFailure, isNonRetriable } from './non-retriable-rpc.exception';
import { tokenOf } from './token-option';
import { WeirContext } from './weir-context';
import { WEIR_TRANSPORT, WeirEvent, WeirEventsMap, WeirHeader, WeirStatus } from './weir-headers';

export interface ServerWeirOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` with every request. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  /** The share group every handler's topic is consumed from. */
  group: string;
  /** Records handled at once (default 16). */
  concurrency?: number;
  /** This server's lock duration (default: the group's). */
  lockDurationMs?: number;
  /** Applied with `PUT /queues/groups/:group` (topics: the handlers' patterns) at listen. */
  groupConfig?: ShareGroupConfig;
  reconnectBackoff?: BackoffOptions;
}

/** The group's default, until the broker told this server its own. */
const DEFAULT_MAX_DELIVERY_COUNT = 5;

/**
 * A Nest microservice transport on a Weir share group. Each `@EventPattern('orders')` or
 * `@MessagePattern('orders')` handler consumes topic `orders`. A handler that completes
 * (value, Promise or Observable) accepts the record; one that fails releases it (a retry, with
 * the group's backoff); one that fails with a non-retriable error (`NonRetriableRpcException`,
 * `RpcException({ retriable: false })`) rejects it, which dead-letters it. A message handler
 * whose request carries `weir-reply-to` answers there: its values on success, the error when it
 * fails for good (non-retriable, or on the last allowed delivery).
 */
export class ServerWeir
  extends Server<WeirEventsMap, WeirStatus>
  implements CustomTransportStrategy
{
  override readonly transportId = WEIR_TRANSPORT;
  private readonly events = new EventEmitter();
  private readonly producer: Producer;
  private consumer: ShareConsumer | undefined;
  private maxDeliveryCount = DEFAULT_MAX_DELIVERY_COUNT;

  constructor(private readonly options: ServerWeirOptions) {
    super();
    this.producer = new Producer({ url: options.url, ...tokenOf(options), lingerMs: 1 });
    // An 'error' event without a listener would throw.
    this.events.on(WeirEvent.ERROR, () => undefined);
  }

  /** Subscribes to the handlers' topics; `callback` runs once subscribed (or with the error). */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops taking records, lets running handlers finish and answer, then closes. */
  async close(): Promise<void> {
    await this.consumer?.stop();
    await this.producer.close();
    this._status$.next(WeirStatus.DISCONNECTED);
    this.events.removeAllListeners();
  }

  on<
    K extends keyof WeirEventsMap = keyof WeirEventsMap,
    C extends WeirEventsMap[K] = WeirEventsMap[K],
  >(event: K, callback: C): void {
    this.events.on(event, callback);
  }

  /** The underlying ShareConsumer. */
  unwrap<T>(): T {
    if (!this.consumer) throw new Error('ServerWeir is not listening yet: call listen() first');
    return this.consumer as T;
  }

  private async start(): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    const admin = new Admin(this.options.url, tokenOf(this.options));
    if (this.options.groupConfig && topics.length > 0) {
      const group = await admin.putShareGroup(this.options.group, {
        ...this.options.groupConfig,
        topics,
      });
      this.maxDeliveryCount = group.config.maxDeliveryCount;
    }
    if (topics.length === 0) return;
    this.consumer = new ShareConsumer({
      url: this.options.url,
      ...tokenOf(this.options),
      onError: (error) => this.events.emit(WeirEvent.ERROR, error),
      ...(this.options.reconnectBackoff ? { reconnectBackoff: this.options.reconnectBackoff } : {}),
    });
    await this.consumer.run({
      group: this.options.group,
      topics,
      concurrency: this.options.concurrency ?? 16,
      handler: (record) => this.handleRecord(record),
      ...(this.options.lockDurationMs !== undefined
        ? { lockDurationMs: this.options.lockDurationMs }
        : {}),
    });
    if (!this.options.groupConfig) {
      const group = await admin.describeShareGroup(this.options.group);
      this.maxDeliveryCount = group.config.maxDeliveryCount;
    }
    this._status$.next(WeirStatus.CONNECTED);
  }

  /** Runs the record's handler; resolving accepts, throwing releases, NonRetriableError rejects. */
  private async handleRecord(record: ShareRecord): Promise<void> {
    const handler = this.getHandlerByPattern(record.topic);
    if (!handler) throw new NonRetriableError(`no handler for topic '${record.topic}'`);
    const replyTo = handler.isEventHandler ? undefined : record.headers[WeirHeader.REPLY_TO];
    const correlationId = record.headers[WeirHeader.CORRELATION_ID];
    const reply = replyTo && correlationId ? { topic: replyTo, correlationId } : undefined;
    let values: unknown[];
    try {
      values = await this.run(handler, record);
    } catch (error) {
      const nonRetriable = isNonRetriable(error);
      if (reply && (nonRetriable || record.deliveryCount >= this.maxDeliveryCount)) {
        await this.reply(reply, [{ err: toJsonError(error), isDisposed: true }]);
      }
      const message = describeFailure(error);
      if (nonRetriable) throw new NonRetriableError(message, { cause: error });
      throw error instanceof Error ? error : new Error(message, { cause: error });
    }
    if (reply) await this.reply(reply, toPackets(values));
  }

  /** Every value the handler's result emits, once it completes. */
  private async run(handler: MessageHandler, record: ShareRecord): Promise<unknown[]> {
    const result: unknown = await handler(record.value, new WeirContext([record]));
    return lastValueFrom(this.transformToObservable(result).pipe(toArray()));
  }

  private async reply(
    to: { topic: string; correlationId: string },
    packets: Array<Record<string, unknown>>,
  ): Promise<void> {
    // Partition 0: the client reads only that one, whatever the reply topic's partitions.
    const records: ProducerRecord[] = packets.map((value) => ({
      partition: 0,
      value,
      headers: { [WeirHeader.CORRELATION_ID]: to.correlationId },
    }));
    await this.producer.produce(to.topic, records);
  }
}

/** Nest's write packets: each value in order, the last one marked as the end. */
function toPackets(values: unknown[]): Array<Record<string, unknown>> {
  if (values.length === 0) return [{ isDisposed: true }];
  return values.map((response, i) =>
    i === values.length - 1 ? { response, isDisposed: true } : { response },
  );
}

/** An error as JSON: Nest's filter already made it `{ status, message }`; an Error is flattened. */
function toJsonError(error: unknown): unknown {
  return error instanceof Error ? { name: error.name, message: error.message } : error;
}
