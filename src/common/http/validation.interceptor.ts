import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { ZodType } from 'zod';
import { BrokerError, ErrorCode } from '../errors';
import { ROUTE_SPEC, RouteSpec } from './route-spec';

/** Parses `value` with `schema`, or throws `INVALID_REQUEST` naming every problem. */
export function parseWith<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new BrokerError(
    ErrorCode.INVALID_REQUEST,
    `Invalid ${where}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    { problems },
  );
}

/** Validates params, query and body against the route's declared schemas before the handler runs. */
@Injectable()
export class ValidationInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    if (spec && context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const target = request as unknown as Record<'params' | 'query' | 'body', unknown>;
      if (spec.params) target.params = parseWith(spec.params, request.params, 'params');
      if (spec.query) target.query = parseWith(spec.query, request.query ?? {}, 'query');
      if (spec.body) target.body = parseWith(spec.body, request.body ?? {}, 'body');
    }
    return next.handle();
  }
}
