import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { readFileSync } from 'node:fs';
import { AppModule } from './app.module';
import { AccessControl } from './auth/access-control';
import { Clock } from './common/clock';
import type { BrokerRuntime } from './common/core.module';
import { brokerServerFactory, TlsMaterial } from './common/http/http-server';
import { answerClientError, answerFrameworkError } from './common/http/framework-errors';
import { acceptJsonBodiesOnly } from './common/http/request-body';
import { BrokerConfig, ConfigError } from './config/broker-config';
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
    serverFactory: brokerServerFactory(config, readTlsMaterial(config)),
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
  app.useWebSocketAdapter(new BrokerWsAdapter(app, config.maxRequestBytes, app.get(AccessControl)));
  return app;
}

/** The certificate and key of `WEIR_TLS_*`, or undefined; unreadable files stop the start. */
function readTlsMaterial(config: BrokerConfig): TlsMaterial | undefined {
  if (!config.tls) return undefined;
  const read = (variable: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError([
        `${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  };
  return {
    cert: read('WEIR_TLS_CERT_FILE', config.tls.certFile),
    key: read('WEIR_TLS_KEY_FILE', config.tls.keyFile),
  };
}
