import { Global, Module } from '@nestjs/common';
import { BrokerGateway } from './broker.gateway';
import { FrameRouter } from './frame-router';

/** The WebSocket endpoint and the frame router modules register their frame types with. */
@Global()
@Module({
  providers: [{ provide: FrameRouter, useFactory: () => new FrameRouter() }, BrokerGateway],
  exports: [FrameRouter],
})
export class WsModule {}
