import { RequestMethod } from '@nestjs/common';
import { z, ZodType } from 'zod';
import { RouteSpec } from '../common/http/route-spec';

/** One served route, as the OpenAPI builder needs it. */
export interface DescribedRoute {
  method: RequestMethod;
  /** Nest-style path, e.g. `/topics/:topic`. */
  path: string;
  spec: RouteSpec;
}

const METHOD_NAMES: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

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

const jsonSchema = (schema: ZodType, io: 'input' | 'output'): unknown =>
  z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'openapi-3.0',
    override: ({ jsonSchema }) => toOpenApi30(jsonSchema as Record<string, unknown>),
  });

/** Turns `/topics/:topic` into `/topics/{topic}`. */
export const toOpenApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parametersOf(spec: RouteSpec, path: string): unknown[] {
  const parameters: unknown[] = [];
  for (const match of path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  if (spec.query) {
    const schema = jsonSchema(spec.query, 'input') as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: schema.required?.includes(name) ?? false,
        schema: property,
      });
    }
  }
  return parameters;
}

/** Builds the OpenAPI 3 document of every route from the zod schemas the routes validate with. */
export function buildOpenApiDocument(routes: readonly DescribedRoute[], version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const method = METHOD_NAMES[route.method];
    if (!method) continue;
    const status = String(route.spec.status ?? 200);
    const operation: Record<string, unknown> = {
      summary: route.spec.summary,
      parameters: parametersOf(route.spec, route.path),
      responses: {
        [status]: route.spec.response
          ? {
              description: 'Success',
              content: {
                'application/json': { schema: jsonSchema(route.spec.response, 'output') },
              },
            }
          : { description: 'Success' },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } },
        },
      },
    };
    if (route.spec.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.spec.body, 'input') } },
      };
    }
    const path = toOpenApiPath(route.path);
    paths[path] = { ...paths[path], [method]: operation };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Weir', version, description: 'Weir broker HTTP API v1' },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token of WEIR_AUTH_FILE, required when the broker has one (health stays open)',
        },
      },
    },
    // optional: a broker without WEIR_AUTH_FILE takes no token
    security: [{ bearer: [] }, {}],
  };
}
