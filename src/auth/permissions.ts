/** What a token may do; `admin` tokens may do everything. */
export const Action = {
  PRODUCE: 'produce',
  READ: 'read',
  CONSUME: 'consume',
  MANAGE: 'manage',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/** What a permission names: a topic or a group (share or streaming), by name. */
export const ResourceKind = { TOPIC: 'topic', GROUP: 'group' } as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

/** One thing an action is done to. */
export interface Resource {
  kind: ResourceKind;
  name: string;
}

/** One `allow` entry of the tokens file: these actions on the topics and groups matched. */
export interface Grant {
  /** Patterns: an exact name, or a prefix followed by `*` (`*` alone: every name). */
  topics: readonly string[];
  groups: readonly string[];
  actions: readonly Action[];
}

/** How a resource is written in answers and the audit log: `topic:orders`, `group:billing`. */
export function formatResource(resource: Resource): string {
  return `${resource.kind}:${resource.name}`;
}

/** True when `pattern` (exact, or a prefix ending in `*`) matches `name`. */
export function matchesPattern(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/**
 * Who made a request: the name of the token it carried (never the token itself) and what that
 * token may do. With auth off every request is made by the open principal, who may do everything.
 */
export class Principal {
  constructor(
    readonly name: string,
    readonly admin: boolean,
    private readonly grants: readonly Grant[],
  ) {}

  /** True when this principal may do `action` to `resource`. */
  may(action: Action, resource: Resource): boolean {
    if (this.admin) return true;
    return this.grants.some(
      (grant) =>
        grant.actions.includes(action) &&
        (resource.kind === ResourceKind.TOPIC ? grant.topics : grant.groups).some((pattern) =>
          matchesPattern(pattern, resource.name),
        ),
    );
  }

  /** True when this principal may do `action` to at least one resource of `kind`. */
  mayOnSome(action: Action, kind: ResourceKind): boolean {
    if (this.admin) return true;
    return this.grants.some(
      (grant) =>
        grant.actions.includes(action) &&
        (kind === ResourceKind.TOPIC ? grant.topics : grant.groups).length > 0,
    );
  }
}

/** The principal of every request while auth is off. */
export const OPEN_PRINCIPAL = new Principal('anonymous', true, []);
