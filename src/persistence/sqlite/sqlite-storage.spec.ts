import { join } from 'node:path';
import { describeStorageContract } from '../../../test/support/storage-contract';
import { makeTempDir } from '../../../test/support/temp-dir';
import { tsEngineWorker } from '../../../test/support/ts-bootstrap';
import { SqliteStorage } from './sqlite-storage';

describeStorageContract(
  'SQLite on :memory: (engine thread)',
  () => ({
    open: () => SqliteStorage.open({ file: ':memory:', sync: 'normal', worker: tsEngineWorker() }),
  }),
  { durable: false },
);

describeStorageContract(
  'SQLite on a temp file, closed and reopened',
  () => {
    const dir = makeTempDir('weir-storage-');
    const file = join(dir.path, 'weir.db');
    const open = () => SqliteStorage.open({ file, sync: 'full', worker: tsEngineWorker() });
    return { open, reopen: open, cleanUp: () => dir.remove() };
  },
  { durable: true },
);
