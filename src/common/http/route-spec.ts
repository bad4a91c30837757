import { SetMetadata } from '@nestjs/common';
import type { ZodType } from 'zod';

/**
 * What a route accepts and answers, declared once: the validation interceptor parses requests
 * with these schemas and the OpenAPI document is generated from them.
 */
export interface RouteSpec {
  summary: string;
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  /** Schema of the success answer, for the OpenAPI document. */
  response?: ZodType;
  /** Success status, for the OpenAPI document (default 200). */
  status?: number;
}

export const ROUTE_SPEC = 'weir:route-spec';

/** Declares a route's schemas and summary. */
export const Route = (spec: RouteSpec) => SetMetadata(ROUTE_SPEC, spec);
