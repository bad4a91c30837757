import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createBrokerApp } from './broker-app';
import { SystemClock } from './common/clock';
import { ConfigError, loadBrokerConfig } from './config/broker-config';

async function main(): Promise<void> {
  const config = loadBrokerConfig(process.env);
  const app = await createBrokerApp(config, new SystemClock());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.httpPort, config.httpHost);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  new Logger('Weir').log(
    `listening on ${config.httpHost}:${port} (data dir ${config.dataDir}, sync ${config.storageSync})`,
  );
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
