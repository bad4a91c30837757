import { createHash } from 'node:crypto';
import { matchesPattern, ResourceKind } from './permissions';
import { TokenTable } from './token-file';

const SECRET = 'a-long-enough-secret-1';
const HASHED = 'another-long-secret-2';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const table = TokenTable.parse({
  tokens: [
    { name: 'ops', token: SECRET, admin: true },
    {
      name: 'worker',
      sha256: sha256(HASHED),
      allow: [
        { groups: ['billing'], actions: ['consume'] },
        { topics: ['orders', 'orders.*'], actions: ['read', 'produce'] },
      ],
    },
  ],
});

describe('tokens file', () => {
  it('authenticates a token given in clear and one given as its SHA-256', () => {
    expect(table.authenticate(SECRET)?.name).toBe('ops');
    expect(table.authenticate(HASHED)?.name).toBe('worker');
    expect(table.authenticate('unknown-secret-000000')).toBeUndefined();
    expect(table.authenticate(sha256(HASHED))).toBeUndefined();
  });

  it('grants the listed actions on matching names only', () => {
    const worker = table.authenticate(HASHED)!;
    const topic = (name: string) => ({ kind: ResourceKind.TOPIC, name });
    const group = (name: string) => ({ kind: ResourceKind.GROUP, name });
    expect(worker.may('read', topic('orders'))).toBe(true);
    expect(worker.may('produce', topic('orders.eu'))).toBe(true);
    expect(worker.may('read', topic('ordersx'))).toBe(false);
    expect(worker.may('manage', topic('orders'))).toBe(false);
    expect(worker.may('consume', group('billing'))).toBe(true);
    expect(worker.may('consume', topic('billing'))).toBe(false);
    expect(worker.may('consume', group('billing2'))).toBe(false);
    expect(table.authenticate(SECRET)!.may('manage', topic('anything'))).toBe(true);
  });

  it('matches exact names and prefixes ending in *', () => {
    expect(matchesPattern('*', 'anything')).toBe(true);
    expect(matchesPattern('a.*', 'a.b')).toBe(true);
    expect(matchesPattern('a.*', 'a')).toBe(false);
    expect(matchesPattern('a', 'ab')).toBe(false);
  });

  it.each([
    [{}, 'tokens'],
    [{ tokens: [{ name: 'x', admin: true }] }, 'exactly one of token'],
    [{ tokens: [{ name: 'x', token: SECRET, sha256: sha256(SECRET) }] }, 'exactly one of token'],
    [{ tokens: [{ name: 'x', token: 'short' }] }, 'token'],
    [{ tokens: [{ name: 'x', sha256: 'abc' }] }, '64 hex digits'],
    [
      { tokens: [{ name: 'x', token: SECRET, allow: [{ topics: ['t'], actions: ['delete'] }] }] },
      'actions',
    ],
    [{ tokens: [{ name: 'x', token: SECRET, allow: [{ actions: ['read'] }] }] }, 'names topics'],
    [
      {
        tokens: [
          { name: 'x', token: SECRET },
          { name: 'x', token: HASHED },
        ],
      },
      'unique',
    ],
  ])('refuses a bad file (%j) saying why, without quoting secrets', (content, why) => {
    let message = '';
    try {
      TokenTable.parse(content);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(why);
    expect(message).not.toContain(SECRET);
  });
});
