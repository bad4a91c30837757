import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { BrokerError, ErrorCode } from '../errors';
import { ROUTE_SPEC, RouteSpec } from './route-spec';
import { summarizeIssues } from './validation-problems';

/**
 * Parses `value` with `schema`, or throws `INVALID_REQUEST` naming the first problems (at most
 * `MAX_LISTED_PROBLEMS`, with `moreProblems` counting the rest).
 */
export function parseWith<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { problems, omitted, summary } = summarizeIssues(result.error.issues, where);
  throw new BrokerError(
    ErrorCode.INVALID_REQUEST,
    `Invalid ${where}: ${summary}`,
    omitted > 0 ? { problems, moreProblems: omitted } : { problems },
  );
}

/**
 * Validates params, query and body against the route's declared schemas before the handler
 * runs, replacing them with the parsed values. A guard rather than an interceptor: it runs at the
 * same point without an Observable pipeline on every request. It never denies; it throws
 * `INVALID_REQUEST`.
 */
@Injectable()
export class ValidationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const spec = this.reflector.get<RouteSpec | undefined>(ROUTE_SPEC, context.getHandler());
    if (spec && context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const target = request as unknown as Record<'params' | 'query' | 'body', unknown>;
      if (spec.params) target.params = parseWith(spec.params, request.params, 'params');
      if (spec.query) target.query = parseWith(spec.query, request.query ?? {}, 'query');
      if (spec.body) target.body = parseWith(spec.body, request.body ?? {}, 'body');
    }
    return true;
  }
}
