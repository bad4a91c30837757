import { DEFAULT_POSTGRES_OPTIONS, parsePostgresUrls, withDefaults } from './postgres-options';

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
});
