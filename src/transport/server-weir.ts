import { CustomTransportStrategy, RpcException, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { NonRetriableError } from '../../client/src/errors';
import { Producer } from '../../client/src/producer';
import { DeliveredRecord, ShareConsumer } from '../../client/src/share-consumer';
import { CORRELATION_ID, REPLY_TO, WeirContext } from './weir-context';

export interface ServerWeirOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** The share group the handlers consume from. */
  group: string;
  concurrency?: number;
  lockDurationMs?: number;
}

/**
 * A thrown value that must not be retried: NonRetriableError, or `RpcException({ retriable:
 * false })`, which reaches the transport as its payload once Nest's exception filter ran.
 */
function isNonRetriable(error: unknown): boolean {
  if (error instanceof NonRetriableError) return true;
  const payload = error instanceof RpcException ? error.getError() : error;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { retriable?: unknown }).retriable === false
  );
}

const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : (JSON.stringify(error) ?? 'undefined');

/**
 * A Nest microservice transport on Weir share groups: each `@EventPattern('orders')` or
 * `@MessagePattern('orders')` handler consumes topic `orders` from the group. A handler that
 * completes accepts the record; one that throws releases it (retry with the group's backoff);
 * a non-retriable error rejects it (dead-letter). Message handlers reply to `weir-reply-to`.
 */
export class ServerWeir extends Server implements CustomTransportStrategy {
  private consumer: ShareConsumer | undefined;
  private readonly producer: Producer;

  constructor(private readonly options: ServerWeirOptions) {
    super();
    this.producer = new Producer({ url: options.url, lingerMs: 1 });
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const topics = [...this.messageHandlers.keys()];
    this.consumer = new ShareConsumer({
      url: this.options.url,
      group: this.options.group,
      topics,
      concurrency: this.options.concurrency ?? 16,
      ...(this.options.lockDurationMs ? { lockDurationMs: this.options.lockDurationMs } : {}),
      handler: (record) => this.handle(record),
      onError: (error) => {
        this.logger.warn?.(`weir transport: ${JSON.stringify(error)}`);
      },
    });
    void this.consumer.run();
    callback();
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    await this.producer.close();
  }

  on(): void {
    // The transport has no events of its own to subscribe to.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async handle(record: DeliveredRecord): Promise<void> {
    const handler = this.getHandlerByPattern(record.topic);
    if (!handler) throw new NonRetriableError(`no handler for topic '${record.topic}'`);
    const replyTo = record.headers[REPLY_TO];
    const correlationId = record.headers[CORRELATION_ID];
    let response: unknown;
    try {
      response = await lastValueFrom(
        this.transformToObservable(await handler(record.value, new WeirContext(record))),
        {
          defaultValue: undefined,
        },
      );
    } catch (error) {
      if (replyTo && correlationId && !handler.isEventHandler) {
        await this.reply(replyTo, correlationId, {
          err: error instanceof Error ? error.message : error,
        });
        return; // the caller has its answer: nothing to retry
      }
      if (isNonRetriable(error)) {
        throw new NonRetriableError(describeError(error));
      }
      throw error;
    }
    if (replyTo && correlationId && !handler.isEventHandler) {
      await this.reply(replyTo, correlationId, { response: response ?? null });
    }
  }

  private async reply(topic: string, correlationId: string, body: object): Promise<void> {
    await this.producer.send(topic, [
      { value: { ...body, isDisposed: true }, headers: { [CORRELATION_ID]: correlationId } },
    ]);
  }
}
