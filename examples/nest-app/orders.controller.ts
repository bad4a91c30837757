import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { NonRetriableRpcException, WeirContext } from '@weir/nestjs';

interface Order {
  id?: number;
  qty?: number;
}

/** Handlers of the example service: each pattern is a topic consumed from the share group. */
@Controller()
export class OrdersController {
  /** Resolving accepts the record; throwing releases it (retry); non-retriable: dead-letter. */
  @EventPattern('orders')
  async handleOrder(@Payload() order: Order, @Ctx() ctx: WeirContext): Promise<void> {
    if (order.id === undefined) throw new NonRetriableRpcException('an order needs an id');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the work
    console.log(
      `order ${order.id} from ${ctx.getTopic()}/${ctx.getPartition()}@${ctx.getOffset()}`,
      `(delivery ${ctx.getDeliveryCount()})`,
    );
  }

  /** Request/reply: `ClientWeir.send('prices.quote', ...)` gets the returned value. */
  @MessagePattern('prices.quote')
  quote(@Payload() order: Order): { total: number } {
    return { total: (order.qty ?? 0) * 9.5 };
  }
}
