import { RequestMethod } from '@nestjs/common';
import { z, ZodType } from 'zod';
import type { RouteAccess } from '../auth/route-access';
import type { DocumentedLimit } from '../common/http/documented-limit';
import { RouteSpec } from '../common/http/route-spec';
import { commonErrors, errorResponses } from './openapi-errors';
import type { LimitDocumentation } from './openapi-limits';
import { documentSchema } from './openapi-schema-docs';
import { FIELD_GLOSSARY } from './field-glossary';
import { API_DESCRIPTION } from './api-description';

/** One served route, as the OpenAPI builder needs it. */
export interface DescribedRoute {
  method: RequestMethod;
  /** Nest-style path, e.g. `/topics/:topic`. */
  path: string;
  spec: RouteSpec;
  /** Who may call it (`@Public`, `@Permit`...); undefined: admin tokens only. */
  access?: RouteAccess;
}

type Limits = Readonly<Record<DocumentedLimit, LimitDocumentation>>;

const METHOD_NAMES: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

const errorSchema = z
  .object({
    error: z
      .object({
        code: z.string().describe('Stable error code.'),
        message: z.string().describe('Human-readable explanation.'),
        details: z
          .unknown()
          .optional()
          .describe('Machine-readable details, depending on the code.'),
      })
      .describe('What went wrong.'),
  })
  .describe('The error shape of every failure.');

/**
 * OpenAPI 3.0's Schema Object is a dialect of JSON Schema draft 4 with a closed set of keywords;
 * zod's `openapi-3.0` target handles nullability and exclusive bounds but leaves `contentEncoding`
 * (from `z.base64()`), which 3.0 spells `format: byte`.
 */
const toOpenApi30 = (schema: Record<string, unknown>): void => {
  if (schema.contentEncoding === 'base64') {
    delete schema.contentEncoding;
    schema.format = 'byte';
  }
};

const jsonSchema = (schema: ZodType, io: 'input' | 'output', limits: Limits): unknown => {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'openapi-3.0',
    override: ({ jsonSchema }) => toOpenApi30(jsonSchema as Record<string, unknown>),
  });
  documentSchema(json, limits);
  return json;
};

/** Turns `/topics/:topic` into `/topics/{topic}`. */
export const toOpenApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parametersOf(spec: RouteSpec, path: string, limits: Limits): unknown[] {
  const parameters: unknown[] = [];
  const params = spec.params
    ? (jsonSchema(spec.params, 'input', limits) as { properties?: Record<string, unknown> })
    : undefined;
  for (const match of path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    const name = match[1]!;
    const schema = (params?.properties?.[name] ?? { type: 'string' }) as Record<string, unknown>;
    parameters.push({
      name,
      in: 'path',
      required: true,
      description: schema.description ?? FIELD_GLOSSARY[name],
      schema,
    });
  }
  if (spec.query) {
    const schema = jsonSchema(spec.query, 'input', limits) as {
      properties?: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: schema.required?.includes(name) ?? false,
        description: property.description,
        schema: property,
      });
    }
  }
  return parameters;
}

function operationOf(route: DescribedRoute, limits: Limits): Record<string, unknown> {
  const { spec } = route;
  const status = String(spec.status ?? 200);
  const errors = [...(spec.errors ?? []), ...commonErrors(spec, route.access)];
  const operation: Record<string, unknown> = {
    summary: spec.summary,
    description: spec.description ?? spec.summary,
    parameters: parametersOf(spec, route.path, limits),
    responses: {
      [status]: spec.response
        ? {
            description: spec.summary,
            content: {
              'application/json': { schema: jsonSchema(spec.response, 'output', limits) },
            },
          }
        : { description: spec.summary },
      ...errorResponses(errors),
      default: {
        description: 'Any other error (such as 503 SHUTTING_DOWN), in the same shape.',
        content: { 'application/json': { schema: jsonSchema(errorSchema, 'output', limits) } },
      },
    },
  };
  const body = spec.documentedBody ?? spec.body;
  if (body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(body, 'input', limits) } },
    };
  }
  // open routes take no token even when the broker has a tokens file
  if (route.access?.kind === 'public') operation.security = [];
  return operation;
}

/**
 * Builds the OpenAPI 3 document of every route from the zod schemas the routes validate with:
 * descriptions, the configured bounds of `limits`, and each operation's error codes by status.
 */
export function buildOpenApiDocument(
  routes: readonly DescribedRoute[],
  version: string,
  limits: Limits,
): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const method = METHOD_NAMES[route.method];
    if (!method) continue;
    const path = toOpenApiPath(route.path);
    paths[path] = { ...paths[path], [method]: operationOf(route, limits) };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Weir', version, description: API_DESCRIPTION },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token of WEIR_AUTH_FILE, required when the broker has one (health, the API description and the console stay open)',
        },
      },
    },
    // optional: a broker without WEIR_AUTH_FILE takes no token
    security: [{ bearer: [] }, {}],
  };
}
