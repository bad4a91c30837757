import { ConfigError, loadBrokerConfig } from './broker-config';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadBrokerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('security settings', () => {
  it('listens on loopback only, without auth, by default', () => {
    expect(loadBrokerConfig({})).toMatchObject({
      httpHost: '127.0.0.1',
      authFile: undefined,
      allowUnauthenticated: false,
      metricsPublic: false,
      tls: undefined,
    });
  });

  it('refuses another address without auth, with a message naming both ways out', () => {
    const problems = problemsOf({ WEIR_HTTP_HOST: '0.0.0.0' });
    expect(problems).toContain('WEIR_HTTP_HOST');
    expect(problems).toContain('WEIR_AUTH_FILE');
    expect(problems).toContain('WEIR_ALLOW_UNAUTHENTICATED=true');
  });

  it('accepts another address with a tokens file or the explicit setting', () => {
    expect(
      loadBrokerConfig({ WEIR_HTTP_HOST: '0.0.0.0', WEIR_AUTH_FILE: '/etc/weir.json' }),
    ).toMatchObject({ httpHost: '0.0.0.0', authFile: '/etc/weir.json' });
    expect(
      loadBrokerConfig({ WEIR_HTTP_HOST: '0.0.0.0', WEIR_ALLOW_UNAUTHENTICATED: 'true' }),
    ).toMatchObject({ allowUnauthenticated: true });
    for (const host of ['localhost', '::1', '127.0.0.2']) {
      expect(loadBrokerConfig({ WEIR_HTTP_HOST: host }).httpHost).toBe(host);
    }
  });

  it('needs both TLS files or neither', () => {
    expect(problemsOf({ WEIR_TLS_CERT_FILE: '/c.pem' })).toContain('WEIR_TLS_KEY_FILE');
    expect(
      loadBrokerConfig({ WEIR_TLS_CERT_FILE: '/c.pem', WEIR_TLS_KEY_FILE: '/k.pem' }).tls,
    ).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
  });

  it('gives every limit a default', () => {
    expect(loadBrokerConfig({})).toMatchObject({
      maxConnections: 10_000,
      maxConnectionsPerAddress: 1000,
      maxSubscriptionsPerSocket: 100,
      maxGroupMembers: 1000,
      maxHeaderBytes: 16 * 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
      idleTimeoutMs: 120_000,
      timeoutCheckIntervalMs: 1000,
    });
  });

  it('refuses limits out of range or that contradict each other', () => {
    expect(problemsOf({ WEIR_MAX_CONNECTIONS: '0' })).toContain('WEIR_MAX_CONNECTIONS');
    expect(problemsOf({ WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET: 'many' })).toContain(
      'WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET',
    );
    expect(
      problemsOf({ WEIR_MAX_CONNECTIONS: '10', WEIR_MAX_CONNECTIONS_PER_ADDRESS: '20' }),
    ).toContain('WEIR_MAX_CONNECTIONS_PER_ADDRESS');
    expect(
      problemsOf({ WEIR_HEADERS_TIMEOUT_MS: '5000', WEIR_REQUEST_TIMEOUT_MS: '1000' }),
    ).toContain('WEIR_HEADERS_TIMEOUT_MS');
    expect(problemsOf({ WEIR_IDLE_TIMEOUT_MS: '20000' })).toContain('WEIR_IDLE_TIMEOUT_MS');
    expect(loadBrokerConfig({ WEIR_IDLE_TIMEOUT_MS: '0' }).idleTimeoutMs).toBe(0);
  });
});
