import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Client } from 'pg';

/**
 * Which storage the e2e brokers of this jest project use: SQLite files (the default) or, in the
 * `postgres` project (`globals.E2E_STORAGE`), a database of its own on the run's test
 * PostgreSQL server (`postgres-global-setup.ts`) for each data dir.
 */
export type TestStorageKind = 'sqlite' | 'postgres';

declare const E2E_STORAGE: string | undefined;

export function testStorageKind(): TestStorageKind {
  return typeof E2E_STORAGE !== 'undefined' && E2E_STORAGE === 'postgres' ? 'postgres' : 'sqlite';
}

/** Where the global setup says the server is (never a WEIR_* variable: brokers ignore it). */
export const POSTGRES_ENV = {
  superuserUrl: 'E2E_POSTGRES_SUPERUSER_URL',
  weirUrl: 'E2E_POSTGRES_WEIR_URL',
} as const;

/** Databases this spec file created, by data dir: a broker restarted on a dir finds its data. */
const databases = new Map<string, string>();

/**
 * The WEIR_* variables that put a broker on `dataDir` onto the project's storage: none for
 * SQLite; for PostgreSQL, the database of that data dir (created on first use). Databases of
 * data dirs a test already removed are dropped first, so a run keeps only the live ones.
 */
export async function storageEnv(dataDir: string): Promise<Record<string, string>> {
  if (testStorageKind() !== 'postgres') return {};
  await dropDatabasesOfRemovedDirs();
  let name = databases.get(dataDir);
  if (!name) {
    name = `weir_e2e_${randomBytes(6).toString('hex')}`;
    await superuserQuery(`CREATE DATABASE "${name}" OWNER weir`);
    databases.set(dataDir, name);
  }
  const url = new URL(requiredEnv(POSTGRES_ENV.weirUrl));
  url.pathname = `/${name}`;
  return { WEIR_STORAGE: 'postgres', WEIR_POSTGRES_URL: url.toString() };
}

/**
 * Drops the databases whose data dir is gone (its test is over); also run after each spec file
 * (`postgres-after-file.ts`). The server's teardown removes whatever is left.
 */
export async function dropDatabasesOfRemovedDirs(): Promise<void> {
  for (const [dir, name] of [...databases]) {
    if (existsSync(dir)) continue;
    databases.delete(dir);
    await superuserQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

async function superuserQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: requiredEnv(POSTGRES_ENV.superuserUrl) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the postgres project's global setup did not run`);
  return value;
}
