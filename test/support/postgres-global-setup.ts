import { PostgresServer } from './postgres-server';
import { POSTGRES_ENV } from './test-storage';

/**
 * Global setup of the jest project that runs the e2e API suite on PostgreSQL: one test server
 * (initdb into a temp dir, a free loopback port) for the whole project; each broker gets a
 * database of its own on it (`test-storage.ts`). The teardown stops it and removes its dir,
 * with every database still on it.
 */
export default async function startTestPostgres(): Promise<void> {
  const server = await PostgresServer.start();
  (globalThis as { e2ePostgres?: PostgresServer }).e2ePostgres = server;
  process.env[POSTGRES_ENV.superuserUrl] = server.superuserUrl();
  process.env[POSTGRES_ENV.weirUrl] = server.url();
}
