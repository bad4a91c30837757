import type { IncomingHttpHeaders } from 'node:http';

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The token of a WebSocket upgrade: the `Authorization` header, else the `token` query
 * parameter (browsers cannot set headers on a WebSocket).
 */
export function upgradeToken(
  headers: IncomingHttpHeaders,
  url: string | undefined,
): string | undefined {
  const fromHeader = bearerToken(headers);
  if (fromHeader !== undefined) return fromHeader;
  const query = url?.split('?', 2)[1];
  if (!query) return undefined;
  const token = new URLSearchParams(query).get('token');
  return token === null || token === '' ? undefined : token;
}

/** Method and path of a request, for the audit log: the query (which may hold a token) dropped. */
export function describeRequest(method: string, url: string): string {
  return `${method} ${url.split('?', 1)[0]!.slice(0, 300)}`;
}
