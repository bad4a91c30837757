/**
 * `{ token, ca }` of the options, without undefined fields: the client's options take no
 * `token: undefined`.
 */
export function tokenOf(options: { token?: string; ca?: string | Buffer }): {
  token?: string;
  ca?: string | Buffer;
} {
  return {
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
}
