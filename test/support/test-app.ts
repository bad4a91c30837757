import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createBrokerApp } from '../../src/broker-app';
import type { Clock } from '../../src/common/clock';
import { BrokerConfig, loadBrokerConfig } from '../../src/config/broker-config';
import { FakeClock } from './fake-clock';
import { storageEnv } from './test-storage';
import { tsEngineWorker } from './ts-bootstrap';

/** A running broker on 127.0.0.1, a random port, a given data dir and a fake clock. */
export interface TestBroker<C extends Clock = FakeClock> {
  app: NestFastifyApplication;
  clock: C;
  config: BrokerConfig;
  /** `http://127.0.0.1:port` */
  url: string;
  /** `ws://127.0.0.1:port/ws` */
  wsUrl: string;
  close: () => Promise<void>;
}

/**
 * Starts the real AppModule on the jest project's storage (`test-storage.ts`: SQLite in
 * `dataDir`, or a PostgreSQL database of that data dir); `env` overrides WEIR_* variables.
 * `beforeListen` runs on the built app before it initialises (e.g. to add a Fastify `onRoute`
 * hook that sees every route).
 */
export async function startTestBroker<C extends Clock = FakeClock>(
  dataDir: string,
  env: Record<string, string> = {},
  clock: C = new FakeClock() as Clock as C,
  beforeListen?: (app: NestFastifyApplication) => void,
): Promise<TestBroker<C>> {
  const config = loadBrokerConfig({
    WEIR_HTTP_PORT: '0',
    WEIR_HTTP_HOST: '127.0.0.1',
    WEIR_LOG_LEVEL: 'silent',
    ...(await storageEnv(dataDir)),
    ...env,
    WEIR_DATA_DIR: dataDir,
  });
  const app = await createBrokerApp(config, clock, { engineWorker: tsEngineWorker() });
  beforeListen?.(app);
  await app.listen(config.httpPort, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  let closed = false;
  return {
    app,
    clock,
    config,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
