import { SetMetadata } from '@nestjs/common';
import type { ZodType } from 'zod';
import type { ErrorCode } from '../errors';

/**
 * What a route accepts and answers, declared once: the validation interceptor parses requests
 * with these schemas and the OpenAPI document is generated from them.
 */
export interface RouteSpec {
  summary: string;
  /** What the operation does, for the OpenAPI document (Markdown; default: the summary). */
  description?: string;
  /**
   * The error codes this operation may answer, beyond those of every route of its kind (schema
   * validation, body limits, authentication), for the OpenAPI document.
   */
  errors?: readonly ErrorCode[];
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  /** Schema of the success answer, for the OpenAPI document. */
  response?: ZodType;
  /** Success status, for the OpenAPI document (default 200). */
  status?: number;
  /**
   * The body as the OpenAPI document shows it, when `body` checks less than the service does
   * (acknowledgements are checked one by one, so that a bad item fails only itself).
   */
  documentedBody?: ZodType;
}

export const ROUTE_SPEC = 'weir:route-spec';

/** Declares a route's schemas and summary. */
export const Route = (spec: RouteSpec) => SetMetadata(ROUTE_SPEC, spec);
