import { ConfigError, loadBrokerConfig } from './broker-config';

describe('loadBrokerConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadBrokerConfig({});
    expect(config).toMatchObject({
      httpPort: 8080,
      httpHost: '127.0.0.1',
      dataDir: './data',
      storageSync: 'normal',
      autoCreateTopics: true,
      defaultPartitions: 1,
      maxPartitions: 1024,
      defaultRetentionMs: 7 * 24 * 3600 * 1000,
      defaultMaxMessageBytes: 1024 * 1024,
    });
  });

  it('reads WEIR_* variables and ignores others', () => {
    const config = loadBrokerConfig({
      WEIR_HTTP_PORT: '9090',
      WEIR_STORAGE_SYNC: 'full',
      WEIR_AUTO_CREATE_TOPICS: 'false',
      PATH: '/bin',
    });
    expect(config.httpPort).toBe(9090);
    expect(config.storageSync).toBe('full');
    expect(config.autoCreateTopics).toBe(false);
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadBrokerConfig({ WEIR_HTTP_PORT: 'eighty', WEIR_STORAGE_SYNC: 'sometimes' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('WEIR_HTTP_PORT');
    expect(problems).toContain('WEIR_STORAGE_SYNC');
  });

  it('pings WebSockets every 15 s and bounds their unsent bytes at 8 MiB by default', () => {
    expect(loadBrokerConfig({})).toMatchObject({
      wsPingIntervalMs: 15_000,
      wsMaxBufferedBytes: 8 * 1024 * 1024,
    });
    expect(
      loadBrokerConfig({ WEIR_WS_PING_INTERVAL_MS: '500', WEIR_WS_MAX_BUFFERED_BYTES: '65536' }),
    ).toMatchObject({ wsPingIntervalMs: 500, wsMaxBufferedBytes: 65536 });
    for (const env of [
      { WEIR_WS_PING_INTERVAL_MS: '0' },
      { WEIR_WS_PING_INTERVAL_MS: 'often' },
      { WEIR_WS_MAX_BUFFERED_BYTES: '10' },
    ]) {
      expect(() => loadBrokerConfig(env)).toThrow(ConfigError);
    }
  });

  it('refuses a default partition count above the maximum', () => {
    expect(() =>
      loadBrokerConfig({ WEIR_DEFAULT_PARTITIONS: '8', WEIR_MAX_PARTITIONS: '4' }),
    ).toThrow(ConfigError);
  });

  it('gives Kafka-like session timeout bounds and refuses a minimum above the maximum', () => {
    expect(loadBrokerConfig({})).toMatchObject({
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 1_800_000,
    });
    expect(() =>
      loadBrokerConfig({
        WEIR_MIN_SESSION_TIMEOUT_MS: '60000',
        WEIR_MAX_SESSION_TIMEOUT_MS: '10000',
      }),
    ).toThrow(ConfigError);
  });

  it('limits JSON nesting to 64 by default and refuses a limit outside 8 to 1000', () => {
    expect(loadBrokerConfig({}).maxJsonDepth).toBe(64);
    expect(loadBrokerConfig({ WEIR_MAX_JSON_DEPTH: '200' }).maxJsonDepth).toBe(200);
    expect(() => loadBrokerConfig({ WEIR_MAX_JSON_DEPTH: '2' })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ WEIR_MAX_JSON_DEPTH: '100000' })).toThrow(ConfigError);
  });

  it('keeps everything in SQLite by default and in PostgreSQL when told, with its URLs', () => {
    expect(loadBrokerConfig({})).toMatchObject({ storage: 'sqlite', postgresUrls: [] });
    expect(
      loadBrokerConfig({
        WEIR_STORAGE: 'postgres',
        WEIR_POSTGRES_URL:
          'postgres://weir:s3cret@10.0.0.1:5432/weir, postgresql://weir@10.0.0.2/weir',
      }),
    ).toMatchObject({
      storage: 'postgres',
      postgresUrls: [
        'postgres://weir:s3cret@10.0.0.1:5432/weir',
        'postgresql://weir@10.0.0.2/weir',
      ],
    });
  });

  it('says clearly what is wrong with the PostgreSQL settings', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        loadBrokerConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ WEIR_STORAGE: 'postgres' })).toBe(
      'WEIR_POSTGRES_URL: required when WEIR_STORAGE=postgres',
    );
    expect(problems({ WEIR_STORAGE: 'postgres', WEIR_POSTGRES_URL: ' , ' })).toContain(
      'WEIR_POSTGRES_URL: names no server',
    );
    expect(
      problems({ WEIR_STORAGE: 'postgres', WEIR_POSTGRES_URL: 'postgres://h/db,mysql://h/db' }),
    ).toContain(
      'WEIR_POSTGRES_URL.1: each URL must be postgres://user:password@host:port/database',
    );
    expect(problems({ WEIR_STORAGE: 'mongodb' })).toContain('WEIR_STORAGE');
  });
});
