import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { PostgresDatabases } from '../support/postgres-databases';
import { describeStorageContract } from '../support/storage-contract';

const databases = new PostgresDatabases();

beforeAll(() => databases.start(), 60_000);
afterAll(() => databases.stop(), 60_000);

describeStorageContract(
  'PostgreSQL, a fresh database per test, closed and reopened',
  async () => {
    const url = await databases.fresh();
    const open = () => PostgresStorage.open({ urls: [url] });
    return { open, reopen: open };
  },
  { durable: true },
);
