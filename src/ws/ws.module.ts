import { Global, Module } from '@nestjs/common';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { BrokerGateway } from './broker.gateway';
import { FrameRouter } from './frame-router';
import { SubscriptionHub } from './subscription-hub';

/** The WebSocket endpoint and the frame router modules register their frame types with. */
@Global()
@Module({
  providers: [
    {
      provide: FrameRouter,
      inject: [BROKER_CONFIG],
      useFactory: (config: BrokerConfig) => new FrameRouter(config.maxJsonDepth),
    },
    BrokerGateway,
    SubscriptionHub,
  ],
  exports: [FrameRouter, SubscriptionHub],
})
export class WsModule {}
