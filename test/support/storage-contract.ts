import type { Storage } from '../../src/persistence/port/storage';
import { describeBoundsContract } from './storage-contract-bounds';
import { describeCatalogueContract } from './storage-contract-catalogue';
import { describeLifecycleContract } from './storage-contract-lifecycle';
import { describeLogContract } from './storage-contract-log';
import { describeShareContract } from './storage-contract-shares';

/**
 * How the contract reaches one adapter. `open` gives a fresh, empty storage for each test;
 * `reopen`, for a durable storage, opens the same data again after `close` (absent for
 * `:memory:`); `cleanUp` runs after each test, once every storage it opened is closed.
 */
export interface StorageHarness {
  open(): Promise<Storage>;
  reopen?: () => Promise<Storage>;
  cleanUp?: () => void | Promise<void>;
}

/** Whether the adapter keeps data across close (`reopen` must then be given). */
export interface ContractOptions {
  durable: boolean;
}

/** One test's storage: the current instance, and a way to close and reopen it. */
export interface ContractContext {
  readonly storage: Storage;
  /** Closes the storage and opens the same data again (only when the harness is durable). */
  reopen(): Promise<Storage>;
  /** Known when the suite is described: durable-only tests are registered only then. */
  readonly durable: boolean;
}

/**
 * The storage port's contract, written once against `Storage`: every adapter (SQLite on
 * `:memory:` and on a file, PostgreSQL) runs it unchanged. `makeHarness` is called per test.
 */
export function describeStorageContract(
  name: string,
  makeHarness: () => StorageHarness | Promise<StorageHarness>,
  options: ContractOptions,
): void {
  describe(`storage contract: ${name}`, () => {
    let harness: StorageHarness;
    let current: Storage | undefined;
    const opened: Storage[] = [];

    const context: ContractContext = {
      get storage(): Storage {
        if (!current) throw new Error('no storage is open');
        return current;
      },
      durable: options.durable,
      async reopen(): Promise<Storage> {
        if (!harness.reopen) throw new Error(`${name} is not durable`);
        await current?.close();
        current = await harness.reopen();
        opened.push(current);
        return current;
      },
    };

    beforeEach(async () => {
      harness = await makeHarness();
      current = await harness.open();
      opened.push(current);
    });

    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close().catch(() => undefined);
      current = undefined;
      await harness.cleanUp?.();
    });

    describeLogContract(context);
    describeCatalogueContract(context);
    describeShareContract(context);
    describeLifecycleContract(context);
    describeBoundsContract(context);
  });
}
