import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Action, Grant, Principal } from './permissions';

const pattern = z.string().min(1).max(256);

const grantSchema = z
  .object({
    topics: z.array(pattern).optional(),
    groups: z.array(pattern).optional(),
    actions: z.array(z.enum(Object.values(Action) as [Action, ...Action[]])).min(1),
  })
  .strict()
  .refine((g) => (g.topics?.length ?? 0) + (g.groups?.length ?? 0) > 0, {
    message: 'an allow entry names topics or groups',
  });

const tokenSchema = z
  .object({
    name: z.string().min(1).max(128),
    token: z.string().min(16).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'sha256 is 64 hex digits')
      .optional(),
    admin: z.boolean().optional(),
    allow: z.array(grantSchema).optional(),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), {
    message: 'a token has exactly one of token (in clear) and sha256',
  });

/**
 * The tokens file (`WEIR_AUTH_FILE`, docs/api.md "Security"): each token has a unique name, its
 * secret in clear (`token`, at least 16 characters) or as the hex SHA-256 of it (`sha256`), and
 * either `admin: true` or `allow` entries.
 */
export const tokenFileSchema = z
  .object({ tokens: z.array(tokenSchema) })
  .strict()
  .refine((f) => new Set(f.tokens.map((t) => t.name)).size === f.tokens.length, {
    message: 'token names are unique',
  });

interface TokenEntry {
  digest: Buffer;
  principal: Principal;
}

/** The tokens of one version of the file, ready to authenticate requests. */
export class TokenTable {
  private constructor(private readonly entries: readonly TokenEntry[]) {}

  /** Builds the table from the file's parsed content; throws a readable Error when it is bad. */
  static parse(content: unknown): TokenTable {
    const result = tokenFileSchema.safeParse(content);
    if (!result.success) {
      throw new Error(
        result.error.issues
          .slice(0, 5)
          .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
          .join('; '),
      );
    }
    return new TokenTable(
      result.data.tokens.map((t) => ({
        digest: t.sha256 !== undefined ? Buffer.from(t.sha256, 'hex') : sha256(t.token ?? ''),
        principal: new Principal(t.name, t.admin === true, (t.allow ?? []).map(toGrant)),
      })),
    );
  }

  /** Reads and parses `path`; throws an Error saying what is wrong (never quoting a secret). */
  static load(path: string): TokenTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    let content: unknown;
    try {
      content = JSON.parse(text);
    } catch {
      throw new Error(`${path} is not valid JSON`);
    }
    return TokenTable.parse(content);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The principal whose token is `secret`, or undefined. Compares the SHA-256 of `secret` with
   * every entry in constant time, and always with all of them, so timing tells nothing.
   */
  authenticate(secret: string): Principal | undefined {
    const digest = sha256(secret);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
    }
    return found;
  }
}

function toGrant(grant: z.infer<typeof grantSchema>): Grant {
  return { topics: grant.topics ?? [], groups: grant.groups ?? [], actions: grant.actions };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
