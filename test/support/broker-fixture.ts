import { makeTempDir } from './temp-dir';
import { startTestBroker, TestBroker } from './test-app';

/** What a spec using `useBroker` gets: the running broker, fresh for each test. */
export interface BrokerFixture {
  readonly broker: TestBroker;
  readonly dataDir: string;
}

/**
 * Starts a broker on a fresh temp data dir before each test and closes it (and removes the
 * dir) after, so that specs do not repeat the set-up. `env` overrides WEIR_* variables.
 */
export function useBroker(env: Record<string, string> = {}): BrokerFixture {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  let current: TestBroker | undefined;
  beforeEach(async () => {
    dir = makeTempDir();
    current = await startTestBroker(dir.path, env);
  });
  afterEach(async () => {
    await current?.close();
    dir?.remove();
  });
  return {
    get broker(): TestBroker {
      if (!current) throw new Error('the broker starts in beforeEach');
      return current;
    },
    get dataDir(): string {
      if (!dir) throw new Error('the data dir is made in beforeEach');
      return dir.path;
    },
  };
}
