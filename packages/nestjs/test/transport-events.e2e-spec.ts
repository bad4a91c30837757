import { Controller, INestMicroservice, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { lastValueFrom, Observable, timer, map, take } from 'rxjs';
import { Admin, NonRetriableError, Producer } from '@weir/client';
import { SystemClock } from '../../../src/common/clock';
import { ClientWeir } from '../src/client-weir';
import { NonRetriableRpcException } from '../src/non-retriable-rpc.exception';
import { ServerWeir } from '../src/server-weir';
import { WeirContext } from '../src/weir-context';
import { WeirExceptionFilter } from '../src/weir-exception.filter';
import { makeTempDir } from '../../../test/support/temp-dir';
import { startTestBroker, TestBroker } from '../../../test/support/test-app';
import { eventually } from '../../../test/support/eventually';

interface Order {
  id: number;
  bad?: boolean;
  flaky?: boolean;
  legacyBad?: boolean;
  unusable?: boolean;
}

/** What the handlers saw, in order. */
@Injectable()
class Seen {
  readonly orders: Array<{ order: Order; deliveryCount: number }> = [];
  readonly contexts: Array<ReturnType<typeof describeContext>> = [];
  readonly audits: number[] = [];
}

const describeContext = (ctx: WeirContext) => ({
  topic: ctx.getTopic(),
  partition: ctx.getPartition(),
  offset: ctx.getOffset(),
  deliveryCount: ctx.getDeliveryCount(),
  key: ctx.getKey(),
  headers: ctx.getHeaders(),
});

@Controller()
class OrdersController {
  constructor(private readonly seen: Seen) {}

  @EventPattern('orders')
  async onOrder(@Payload() order: Order, @Ctx() ctx: WeirContext): Promise<void> {
    this.seen.orders.push({ order, deliveryCount: ctx.getDeliveryCount() });
    this.seen.contexts.push(describeContext(ctx));
    await Promise.resolve();
    if (order.bad) throw new NonRetriableRpcException('unusable order');
    if (order.legacyBad) throw new RpcException({ retriable: false, message: 'no such item' });
    if (order.unusable) throw new NonRetriableError('order without items');
    if (order.flaky) throw new Error('warehouse down');
  }

  @EventPattern('audits')
  onAudit(@Payload() n: number): Observable<number> {
    // Accepted only once the Observable completes: after its three values.
    return timer(0, 5).pipe(
      take(3),
      map((i) => {
        this.seen.audits.push(n * 10 + i);
        return i;
      }),
    );
  }
}

@Module({ controllers: [OrdersController], providers: [Seen] })
class WorkerModule {}

describe('Nest transport: @EventPattern handlers on a share group', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;
  let worker: INestMicroservice;
  let client: ClientWeir;
  let seen: Seen;
  let admin: Admin;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new SystemClock());
    admin = new Admin(broker.url);
    worker = await NestFactory.createMicroservice(WorkerModule, {
      strategy: new ServerWeir({
        url: broker.url,
        group: 'nest-workers',
        groupConfig: { maxDeliveryCount: 2, backoffMs: null },
      }),
      logger: false,
    });
    worker.useGlobalFilters(new WeirExceptionFilter());
    await worker.listen();
    seen = worker.get(Seen);
    client = new ClientWeir({ url: broker.url });
    await client.connect();
  });

  afterEach(async () => {
    await client.close();
    await worker.close();
    await broker.close();
    dir.remove();
  });

  const groupDone = async () =>
    (await admin.describeShareGroup('nest-workers')).partitions.every((p) => p.lag === 0);

  it('handles emitted and produced records end to end, with topic, offset, key, headers and delivery count', async () => {
    await lastValueFrom(client.emit('orders', { id: 1 }));
    await new Producer({ url: broker.url }).produce('orders', [
      { key: 'customer-9', value: { id: 2 }, headers: { 'trace-id': 'abc' } },
    ]);
    await lastValueFrom(client.emit('audits', 4));
    await eventually(
      async () => seen.orders.length === 2 && seen.audits.length === 3 && (await groupDone()),
      15_000,
      'orders and audits handled',
    );
    expect(seen.contexts).toEqual([
      { topic: 'orders', partition: 0, offset: 0, deliveryCount: 1, key: null, headers: {} },
      {
        topic: 'orders',
        partition: 0,
        offset: 1,
        deliveryCount: 1,
        key: 'customer-9',
        headers: { 'trace-id': 'abc' },
      },
    ]);
    expect(seen.audits).toEqual([40, 41, 42]);
    expect(await admin.describeShareGroup('nest-workers')).toMatchObject({
      topics: expect.arrayContaining(['orders', 'audits']),
    });
  });

  it('dead-letters a non-retriable failure (NonRetriableError included) at once, and a failing record after the delivery limit', async () => {
    for (const order of [
      { id: 1 },
      { id: 2, bad: true },
      { id: 3, flaky: true },
      { id: 4, legacyBad: true },
      { id: 5, unusable: true },
    ]) {
      await lastValueFrom(client.emit('orders', order));
    }
    await eventually(
      async () =>
        (await groupDone()) &&
        (await admin.describeTopic('dlq.nest-workers.orders').catch(() => undefined))?.partitions[0]
          ?.logEndOffset === 4,
      15_000,
      'four orders dead-lettered',
    );
    const deliveries = (id: number) =>
      seen.orders.filter((o) => o.order.id === id).map((o) => o.deliveryCount);
    expect([1, 2, 3, 4, 5].map(deliveries)).toEqual([[1], [1], [1, 2], [1], [1]]);
    const dlq = await admin.readRecords('dlq.nest-workers.orders', 0, { offset: 0 });
    const byId = Object.fromEntries(
      dlq.records.map((r) => [(r.value as Order).id, r.headers ?? {}]),
    );
    expect(Object.keys(byId)).toEqual(['2', '3', '4', '5']);
    expect(byId[2]).toMatchObject({
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-error': 'unusable order',
    });
    expect(byId[3]).toMatchObject({
      'weir-dlq-reason': 'DELIVERY_COUNT_EXCEEDED',
      'weir-dlq-delivery-count': '2',
    });
    expect(byId[4]).toMatchObject({
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-error': 'no such item',
    });
    // A NonRetriableError of @weir/client, through Nest's exception handling, rejects at once.
    expect(byId[5]).toMatchObject({
      'weir-dlq-reason': 'CLIENT_REJECT',
      'weir-dlq-delivery-count': '1',
      'weir-dlq-error': 'order without items',
    });
  });
});
