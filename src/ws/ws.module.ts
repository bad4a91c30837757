import { Global, Module } from '@nestjs/common';
import { AccessControl } from '../auth/access-control';
import { FrameAccess } from '../auth/frame-access';
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
      inject: [BROKER_CONFIG, AccessControl],
      useFactory: (config: BrokerConfig, access: AccessControl) =>
        new FrameRouter(config.maxJsonDepth, new FrameAccess(access)),
    },
    BrokerGateway,
    SubscriptionHub,
  ],
  exports: [FrameRouter, SubscriptionHub],
})
export class WsModule {}
