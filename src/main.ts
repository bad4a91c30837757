import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createBrokerApp } from './broker-app';
import { SystemClock } from './common/clock';
import { AccessControl } from './auth/access-control';
import { ConfigError, loadBrokerConfig } from './config/broker-config';
import { isLoopbackHost } from './config/security-config';

async function main(): Promise<void> {
  const config = loadBrokerConfig(process.env);
  const app = await createBrokerApp(config, new SystemClock());
  await app.listen(config.httpPort, config.httpHost);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const logger = new Logger('Weir');
  const storage =
    config.storage === 'postgres'
      ? `PostgreSQL, ${config.postgresUrls.length} server(s)`
      : `data dir ${config.dataDir}, sync ${config.storageSync}`;
  logger.log(
    `listening on ${config.httpHost}:${port} (${config.tls ? 'https' : 'http'}, ${storage})`,
  );
  const access = app.get(AccessControl);
  if (!access.enabled && !isLoopbackHost(config.httpHost)) {
    logger.warn(
      `no authentication (WEIR_ALLOW_UNAUTHENTICATED=true) on ${config.httpHost}: anyone who ` +
        'reaches this port may read, produce, delete topics and purge dead letters',
    );
  }
  process.on('SIGHUP', () => {
    if (!access.enabled) logger.log('SIGHUP: no WEIR_AUTH_FILE to reload');
    else access.reload();
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting at once`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal}: answering pending requests, committing, closing the database`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(
    `Weir failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
