import { Global, Module } from '@nestjs/common';
import { BrokerGateway } from './broker.gateway';
import { FrameRouter } from './frame-router';
import { SubscriptionHub } from './subscription-hub';

/** The WebSocket endpoint and the frame router modules register their frame types with. */
@Global()
@Module({
  providers: [
    { provide: FrameRouter, useFactory: () => new FrameRouter() },
    BrokerGateway,
    SubscriptionHub,
  ],
  exports: [FrameRouter, SubscriptionHub],
})
export class WsModule {}
