/** `{ token }` when one is set: the client's options take no `token: undefined`. */
export function tokenOf(options: { token?: string }): { token?: string } {
  return options.token === undefined ? {} : { token: options.token };
}
