import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { Clock } from './common/clock';
import type { BrokerRuntime } from './common/core.module';
import { answerClientError, answerFrameworkError } from './common/http/framework-errors';
import { acceptJsonBodiesOnly } from './common/http/request-body';
import { BrokerConfig } from './config/broker-config';
import { BrokerMetrics } from './metrics/broker-metrics';
import { observeHttpTiming } from './metrics/http-timing';
import { BrokerWsAdapter } from './ws/broker-ws.adapter';

/**
 * Longest path segment the router matches: over any name the broker accepts (249 characters),
 * so that a long but legal name reaches its route and an illegal one gets its own error.
 */
const MAX_PATH_SEGMENT_LENGTH = 1000;

/**
 * Builds the broker application (not yet listening) for `config`, with time from `clock`;
 * `runtime` carries what the process decides beyond configuration (see `BrokerRuntime`).
 */
export async function createBrokerApp(
  config: BrokerConfig,
  clock: Clock,
  runtime: BrokerRuntime = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxRequestBytes,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT_LENGTH },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, clock, runtime),
    adapter,
    {
      bufferLogs: true,
      // The broker's own JSON parser (with the depth limit) replaces Nest's.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  acceptJsonBodiesOnly(app.getHttpAdapter().getInstance(), config);
  observeHttpTiming(app.getHttpAdapter().getInstance(), app.get(BrokerMetrics));
  app.useWebSocketAdapter(new BrokerWsAdapter(app, config.maxRequestBytes));
  return app;
}
