import type { PostgresServer } from './postgres-server';

/** Stops the project's test PostgreSQL server (see `postgres-global-setup.ts`). */
export default async function stopTestPostgres(): Promise<void> {
  await (globalThis as { e2ePostgres?: PostgresServer }).e2ePostgres?.stop();
}
