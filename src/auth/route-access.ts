import { SetMetadata } from '@nestjs/common';
import { Action, ResourceKind } from './permissions';

/** Where the guard finds a resource name: a path parameter or a body field. */
export interface ResourceField {
  kind: ResourceKind;
  from: 'param' | 'body';
  field: string;
}

/**
 * Who may call a route. A route without a declaration is for admin tokens only, so that a new
 * route is closed until it says otherwise.
 */
export type RouteAccess =
  /** Open to everyone, even with auth on (health). */
  | { kind: 'public' }
  /** Any valid token (lists, which name resources but hold no records). */
  | { kind: 'any-token' }
  /** Any valid token, or everyone with `WEIR_METRICS_PUBLIC=true`. */
  | { kind: 'metrics' }
  /**
   * `action` on the resource named by `resource`; with `readTopics` (consume routes), also
   * `read` on each topic the body field of that name lists, or, when it lists none, on the
   * share group's own topics (consuming a group reads its topics). `alsoRequire` names further
   * resources the request writes to when present (a redrive's `targetTopic` needs `produce`).
   */
  | {
      kind: 'action';
      action: Action;
      resource: ResourceField;
      readTopics?: string;
      alsoRequire?: ReadonlyArray<{ action: Action; resource: ResourceField }>;
    };

export const ROUTE_ACCESS = 'weir:route-access';

export const topicParam = (field = 'topic'): ResourceField => ({
  kind: ResourceKind.TOPIC,
  from: 'param',
  field,
});
export const topicInBody = (field: string): ResourceField => ({
  kind: ResourceKind.TOPIC,
  from: 'body',
  field,
});
export const groupParam = (field = 'group'): ResourceField => ({
  kind: ResourceKind.GROUP,
  from: 'param',
  field,
});

/**
 * The route needs `action` on `resource` (and `read` on the topics of body field `readTopics`,
 * and each `alsoRequire` action on its resource when the request names one).
 */
export const Permit = (
  action: Action,
  resource: ResourceField,
  options: {
    readTopics?: string;
    alsoRequire?: ReadonlyArray<{ action: Action; resource: ResourceField }>;
  } = {},
) =>
  SetMetadata(ROUTE_ACCESS, { kind: 'action', action, resource, ...options } satisfies RouteAccess);

/** The route is open without a token. */
export const Public = () => SetMetadata(ROUTE_ACCESS, { kind: 'public' } satisfies RouteAccess);

/** The route needs a valid token, whatever it may do. */
export const AnyToken = () =>
  SetMetadata(ROUTE_ACCESS, { kind: 'any-token' } satisfies RouteAccess);

/** The metrics route: a valid token, unless `WEIR_METRICS_PUBLIC=true`. */
export const MetricsAccess = () =>
  SetMetadata(ROUTE_ACCESS, { kind: 'metrics' } satisfies RouteAccess);
