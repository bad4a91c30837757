import { withDefaults } from '../../src/persistence/postgres/postgres-options';
import { PrimaryPool } from '../../src/persistence/postgres/primary-pool';
import { PostgresReplication } from '../support/postgres-replication';

async function serverOf(primary: PrimaryPool): Promise<{ port: number; recovery: boolean }> {
  const { client } = await primary.connect();
  try {
    const { rows } = await client.query<{ port: number; recovery: boolean }>(
      'SELECT inet_server_port() AS port, pg_is_in_recovery() AS recovery',
    );
    return rows[0]!;
  } finally {
    client.release();
  }
}

describe('PrimaryPool', () => {
  let pair: PostgresReplication;

  beforeAll(async () => {
    pair = await PostgresReplication.start();
  });
  afterAll(() => pair.stop());

  it('connects to the server not in recovery whatever the URL order, and to the promoted standby after the primary dies', async () => {
    const [primaryUrl, standbyUrl] = pair.urls() as [string, string];
    const onlyStandby = new PrimaryPool(
      withDefaults({ urls: [standbyUrl], failoverTimeoutMs: 300, failoverAttempts: 3 }),
    );
    await expect(onlyStandby.connect()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await onlyStandby.close();

    const primary = new PrimaryPool(
      withDefaults({ urls: [standbyUrl, primaryUrl], failoverTimeoutMs: 20_000 }),
    );
    try {
      expect(await serverOf(primary)).toEqual({ port: pair.primary.port, recovery: false });
      expect(primary.currentPrimary).toBe(1);

      await pair.killPrimary();
      // What the transaction runner does after a connection failure.
      primary.invalidate();
      expect(primary.currentPrimary).toBeNull();
      const next = serverOf(primary);
      await pair.promoteStandby();
      expect(await next).toEqual({ port: pair.standby.port, recovery: false });
      expect(primary.currentPrimary).toBe(0);
    } finally {
      await primary.close();
    }
    await expect(primary.connect()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });
});
