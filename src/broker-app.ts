import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { Clock } from './common/clock';
import { BrokerConfig } from './config/broker-config';
import { BrokerMetrics } from './metrics/broker-metrics';
import { observeHttpTiming } from './metrics/http-timing';
import { BrokerWsAdapter } from './ws/broker-ws.adapter';

/** Builds the broker application (not yet listening) for `config`, with time from `clock`. */
export async function createBrokerApp(
  config: BrokerConfig,
  clock: Clock,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxRequestBytes,
    forceCloseConnections: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, clock),
    adapter,
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  observeHttpTiming(app.getHttpAdapter().getInstance(), app.get(BrokerMetrics));
  app.useWebSocketAdapter(new BrokerWsAdapter(app, config.maxRequestBytes));
  return app;
}
