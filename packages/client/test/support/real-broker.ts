import { SystemClock } from '../../../../src/common/clock';
import { makeTempDir } from '../../../../test/support/temp-dir';
import { startTestBroker, TestBroker } from '../../../../test/support/test-app';

/** What a client spec using `useRealBroker` gets; `restart` keeps the data dir and the port. */
export interface RealBrokerFixture {
  readonly broker: TestBroker<SystemClock>;
  readonly url: string;
  /** Closes the broker, runs `whileDown`, starts it again on the same data dir and port. */
  restart(whileDown?: () => void): Promise<void>;
}

/**
 * A real broker on 127.0.0.1 (port 0, a temp data dir) with the system clock, fresh for each
 * test: lock renewal and reconnect timing must really run.
 */
export function useRealBroker(env: Record<string, string> = {}): RealBrokerFixture {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  let current: TestBroker<SystemClock> | undefined;
  beforeEach(async () => {
    dir = makeTempDir('weir-client-');
    current = await startTestBroker(dir.path, env, new SystemClock());
  });
  afterEach(async () => {
    await current?.close();
    dir?.remove();
  });
  const broker = (): TestBroker<SystemClock> => {
    if (!current) throw new Error('the broker starts in beforeEach');
    return current;
  };
  return {
    get broker() {
      return broker();
    },
    get url() {
      return broker().url;
    },
    async restart(whileDown) {
      const { url } = broker();
      await broker().close();
      whileDown?.();
      if (!dir) throw new Error('no data dir');
      current = await startTestBroker(
        dir.path,
        { ...env, WEIR_HTTP_PORT: new URL(url).port },
        new SystemClock(),
      );
    },
  };
}
