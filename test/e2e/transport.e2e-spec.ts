import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import request from 'supertest';
import { SystemClock } from '../../src/common/clock';
import { ClientWeir } from '../../src/transport/client-weir';
import { ServerWeir } from '../../src/transport/server-weir';
import { WeirContext } from '../../src/transport/weir-context';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const handled: Array<{ value: unknown; topic: string; deliveryCount: number }> = [];

@Controller()
class OrdersController {
  @EventPattern('orders')
  onOrder(@Payload() order: { id: number; bad?: boolean }, @Ctx() ctx: WeirContext): void {
    handled.push({ value: order, topic: ctx.getTopic(), deliveryCount: ctx.getDeliveryCount() });
    if (order.bad) throw new RpcException({ retriable: false, message: 'unusable order' });
  }

  @MessagePattern('math.double')
  double(@Payload() n: number): number {
    return n * 2;
  }
}

@Module({ controllers: [OrdersController] })
class WorkerModule {}

describe('NestJS microservices transport', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;
  let worker: INestMicroservice;
  let client: ClientWeir;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new SystemClock());
    worker = await NestFactory.createMicroservice(WorkerModule, {
      strategy: new ServerWeir({ url: broker.url, group: 'nest-workers' }),
      logger: false,
    });
    await worker.listen();
    client = new ClientWeir({ url: broker.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.close();
    await worker.close();
    await broker.close();
    dir.remove();
  });

  const until = async (check: () => Promise<boolean> | boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} not within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('handles @EventPattern messages end to end, dead-lettering a non-retriable failure', async () => {
    await lastValueFrom(client.emit('orders', { id: 1 }));
    await lastValueFrom(client.emit('orders', { id: 2, bad: true }));
    await until(async () => {
      const res = await request(broker.url).get('/queues/groups/nest-workers');
      return (
        res.status === 200 &&
        res.body.partitions.every((p: { lag: number }) => p.lag === 0) &&
        handled.length === 2
      );
    }, 'orders handled');
    expect(handled.map((h) => [h.value, h.topic, h.deliveryCount])).toEqual([
      [{ id: 1 }, 'orders', 1],
      [{ id: 2, bad: true }, 'orders', 1],
    ]);
    const dlq = await request(broker.url)
      .get('/topics/dlq.nest-workers.orders/partitions/0/records?offset=0')
      .expect(200);
    expect(dlq.body.records.map((r: { value: unknown }) => r.value)).toEqual([
      { id: 2, bad: true },
    ]);
    expect(dlq.body.records[0].headers['weir-dlq-reason']).toBe('CLIENT_REJECT');
  });

  it('answers send() through a reply topic', async () => {
    await expect(lastValueFrom(client.send('math.double', 21))).resolves.toBe(42);
  });
});
