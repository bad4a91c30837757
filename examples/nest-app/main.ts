// A Nest microservice on the Weir transport:
// `npx tsc -p examples/tsconfig.json && node examples/dist/examples/nest-app/main.js`
// with a broker running (`npm start`); then produce to topic `orders`.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ServerWeir } from '../../src/transport/server-weir';
import { WeirContext } from '../../src/transport/weir-context';

@Controller()
class OrdersController {
  @EventPattern('orders')
  handleOrder(@Payload() order: { id?: number }, @Ctx() ctx: WeirContext): void {
    if (order.id === undefined) throw new RpcException({ retriable: false, message: 'no id' });
    console.log(
      `order ${order.id} (delivery ${ctx.getDeliveryCount()}, offset ${ctx.getOffset()})`,
    );
  }

  @MessagePattern('prices.quote')
  quote(@Payload() item: { qty: number }): { total: number } {
    return { total: item.qty * 9.5 };
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice(OrdersModule, {
    strategy: new ServerWeir({
      url: process.env.WEIR_URL ?? 'http://localhost:8080',
      group: 'orders-service',
    }),
  });
  await app.listen();
  process.once('SIGINT', () => void app.close());
}

void main();
