import {
  DEFAULT_POSTGRES_OPTIONS,
  parsePostgresUrls,
  timeoutsForLease,
  withDefaults,
} from './postgres-options';

describe('PostgreSQL options', () => {
  it('splits WEIR_POSTGRES_URL on commas, ignoring blanks and spaces', () => {
    expect(parsePostgresUrls(' postgres://a/weir, ,postgres://b/weir ')).toEqual([
      'postgres://a/weir',
      'postgres://b/weir',
    ]);
  });

  it('refuses a WEIR_POSTGRES_URL that names no server', () => {
    expect(() => parsePostgresUrls(' , ')).toThrow(/names no server/);
  });

  it('fills what is not given with the defaults', () => {
    expect(withDefaults({ urls: ['postgres://a/weir'], lockTimeoutMs: 10 })).toEqual({
      ...DEFAULT_POSTGRES_OPTIONS,
      urls: ['postgres://a/weir'],
      lockTimeoutMs: 10,
    });
  });

  it('keeps the lock and idle-in-transaction timeouts well within the lease', () => {
    expect(timeoutsForLease(5_000)).toEqual({
      lockTimeoutMs: 1_666,
      idleInTransactionTimeoutMs: 2_500,
    });
    expect(timeoutsForLease(2_000)).toEqual({
      lockTimeoutMs: 666,
      idleInTransactionTimeoutMs: 1_000,
    });
    expect(timeoutsForLease(60_000)).toEqual({
      lockTimeoutMs: 2_000,
      idleInTransactionTimeoutMs: 5_000,
    });
  });
});
