// A Nest microservice on the Weir transport. With a broker running (`npm start`):
//   npx tsc -p examples/tsconfig.json && node examples/dist/examples/nest-app/main.js
// It serves topic `orders` (events) and `prices.quote` (request/reply) from share group
// `orders-service`, then acts as its own client once: emits two orders and asks for a quote.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import { ClientWeir, ServerWeir, WeirExceptionFilter } from '@weir/nestjs';
import { OrdersModule } from './orders.module';

const url = process.env.WEIR_URL ?? 'http://localhost:8080';

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice(OrdersModule, {
    strategy: new ServerWeir({
      url,
      group: 'orders-service',
      groupConfig: { maxDeliveryCount: 3 },
    }),
  });
  // Lets a NonRetriableError of @weir/client thrown by a handler dead-letter its record at once.
  app.useGlobalFilters(new WeirExceptionFilter());
  await app.listen();

  const client = new ClientWeir({ url });
  await firstValueFrom(client.emit('orders', { id: 1, qty: 2 }));
  await firstValueFrom(client.emit('orders', { qty: 1 })); // no id: dead-lettered
  console.log('quote:', await firstValueFrom(client.send('prices.quote', { qty: 4 })));
  await client.close();

  process.once('SIGINT', () => void app.close());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
