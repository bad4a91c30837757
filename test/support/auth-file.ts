import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The secrets of the tokens `writeAuthFile` writes, by token name. */
export const TOKENS = {
  ops: 'ops-secret-0123456789abcdef',
  producer: 'producer-secret-0123456789',
  reader: 'reader-secret-0123456789ab',
  worker: 'worker-secret-0123456789ab',
  manager: 'manager-secret-0123456789a',
} as const;
export type TokenName = keyof typeof TOKENS;

export const sha256Hex = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The tokens file of the security tests: `ops` is admin (in clear); the others are given as
 * SHA-256 hashes: `producer` produces to orders and orders.*, `reader` reads orders*, `worker`
 * consumes group billing and reads orders, `manager` manages orders* and group billing.
 * `omit` leaves tokens out (to test a reload).
 */
export function authFileContent(omit: readonly TokenName[] = []): object {
  const tokens = [
    { name: 'ops', token: TOKENS.ops, admin: true },
    {
      name: 'producer',
      sha256: sha256Hex(TOKENS.producer),
      allow: [{ topics: ['orders', 'orders.*'], actions: ['produce'] }],
    },
    {
      name: 'reader',
      sha256: sha256Hex(TOKENS.reader),
      allow: [{ topics: ['orders*'], actions: ['read'] }],
    },
    {
      name: 'worker',
      sha256: sha256Hex(TOKENS.worker),
      allow: [
        { groups: ['billing'], actions: ['consume'] },
        { topics: ['orders'], actions: ['read'] },
      ],
    },
    {
      name: 'manager',
      sha256: sha256Hex(TOKENS.manager),
      allow: [{ topics: ['orders*'], groups: ['billing'], actions: ['manage'] }],
    },
  ];
  return { tokens: tokens.filter((t) => !omit.includes(t.name as TokenName)) };
}

/** Writes the tokens file into `dir` and answers its path. */
export function writeAuthFile(dir: string, omit: readonly TokenName[] = []): string {
  const path = join(dir, 'tokens.json');
  writeFileSync(path, JSON.stringify(authFileContent(omit)));
  return path;
}

export const bearer = (name: TokenName) => ({ authorization: `Bearer ${TOKENS[name]}` });
