import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { AccessControl } from './access-control';
import { bearerToken, describeRequest } from './bearer-token';
import { ResourceField, ROUTE_ACCESS, RouteAccess } from './route-access';

/**
 * The HTTP half of access control, once per request before validation: authenticates the
 * bearer token and checks the route's declared access (`@Permit`, `@Public`, `@AnyToken`,
 * `@MetricsAccess`; undeclared routes are for admin tokens). A resource field that is missing or
 * not a string is left to validation, which refuses the request before its handler runs.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.access.enabled) return true;
    const declared = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (declared?.kind === 'public') return true;
    if (declared?.kind === 'metrics' && this.config.metricsPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const via = describeRequest(request.method, request.url);
    const principal = this.access.authenticate(bearerToken(request.headers), via);
    if (!declared) {
      this.access.authorizeAdmin(principal, via);
      return true;
    }
    if (declared.kind !== 'action') return true;
    const name = resourceName(request, declared.resource);
    if (name === undefined) return true;
    if (declared.readTopics !== undefined) {
      const topics = (request.body as Record<string, unknown> | undefined)?.[declared.readTopics];
      this.access.authorizeConsume(
        principal,
        name,
        Array.isArray(topics) ? topics : undefined,
        via,
      );
    } else {
      this.access.authorize(
        principal,
        declared.action,
        { kind: declared.resource.kind, name },
        via,
      );
    }
    for (const extra of declared.alsoRequire ?? []) {
      const extraName = resourceName(request, extra.resource);
      if (extraName === undefined) continue;
      this.access.authorize(
        principal,
        extra.action,
        { kind: extra.resource.kind, name: extraName },
        via,
      );
    }
    return true;
  }
}

/** The name `field` gives in the request, if it is a string (else validation refuses it). */
function resourceName(request: FastifyRequest, field: ResourceField): string | undefined {
  const source = (field.from === 'param' ? request.params : request.body) as
    Record<string, unknown> | undefined;
  const name = source?.[field.field];
  return typeof name === 'string' ? name : undefined;
}
