import { Client } from 'pg';
import { retryUntil } from '../support/postgres-process';
import { PostgresReplication } from '../support/postgres-replication';
import { PostgresServer, WEIR_ROLE } from '../support/postgres-server';

async function query<T extends object>(url: string, sql: string, params: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL test harness', () => {
  it('starts a server on a loopback port other than 5432 that the Weir role owns a database on, not as a superuser', async () => {
    const server = await PostgresServer.start();
    try {
      expect(server.port).not.toBe(5432);
      const rows = await query<{ user: string; superuser: string; owner: string; fsync: string }>(
        server.url(),
        `SELECT current_user AS user, current_setting('is_superuser') AS superuser,
                pg_get_userbyid(d.datdba) AS owner, current_setting('fsync') AS fsync
         FROM pg_database d WHERE d.datname = current_database()`,
      );
      expect(rows).toEqual([
        { user: WEIR_ROLE.user, superuser: 'off', owner: WEIR_ROLE.user, fsync: 'on' },
      ]);
      await query(server.url(), 'CREATE TABLE owned_by_weir (id int)');
    } finally {
      await server.stop();
    }
    expect(server.postmasterPid).toBeNull();
  });

  it('replicates synchronously to a standby and writes again on the standby after the primary is killed and the standby promoted', async () => {
    const pair = await PostgresReplication.start();
    try {
      const [primaryUrl, standbyUrl] = pair.urls() as [string, string];
      const settings = await pair.primary.superuserQuery<{ names: string; commit: string }>(
        "SELECT current_setting('synchronous_standby_names') AS names, current_setting('synchronous_commit') AS commit",
      );
      expect(settings).toEqual([{ names: 'weir_standby', commit: 'on' }]);

      await query(primaryUrl, 'CREATE TABLE notes (id int PRIMARY KEY, body text)');
      await query(primaryUrl, "INSERT INTO notes VALUES (1, 'before the crash')");
      await retryUntil(
        async () => {
          const rows = await query<{ body: string }>(standbyUrl, 'SELECT body FROM notes');
          expect(rows).toEqual([{ body: 'before the crash' }]);
        },
        'the write visible on the standby',
        10_000,
      );
      await expect(query(standbyUrl, "INSERT INTO notes VALUES (2, 'x')")).rejects.toThrow(
        /read-only/,
      );

      const primaryPid = pair.primary.postmasterPid;
      await pair.killPrimary();
      expect(primaryPid).not.toBeNull();
      await pair.promoteStandby();

      await query(standbyUrl, "INSERT INTO notes VALUES (2, 'after the promotion')");
      const rows = await query<{ id: number; body: string }>(
        standbyUrl,
        'SELECT id, body FROM notes ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 1, body: 'before the crash' },
        { id: 2, body: 'after the promotion' },
      ]);
      await expect(query(primaryUrl, 'SELECT 1')).rejects.toThrow();
    } finally {
      await pair.stop();
    }
  });
});
