import { LIMIT_KEY, DocumentedLimit } from '../common/http/documented-limit';
import { FIELD_GLOSSARY } from './field-glossary';
import type { LimitDocumentation } from './openapi-limits';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod writes `.int()` as ±2^53-1 bounds: no bound at all, for a reader. */
const SAFE_EXTREMES = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

const appendSentence = (schema: JsonObject, sentence: string): void => {
  const description = typeof schema.description === 'string' ? schema.description : '';
  schema.description = description ? `${description} ${sentence}` : sentence;
};

/**
 * Finishes a JSON schema generated from zod for the OpenAPI document, in place: configured
 * limits named in metadata become real bounds (and a sentence of the description), the
 * safe-integer extremes of `.int()` are dropped, and properties without a description take the
 * glossary's.
 */
export function documentSchema(
  schema: unknown,
  limits: Readonly<Record<DocumentedLimit, LimitDocumentation>>,
): void {
  if (Array.isArray(schema)) {
    for (const item of schema) documentSchema(item, limits);
    return;
  }
  if (!isObject(schema)) return;
  const limit = schema[LIMIT_KEY] as DocumentedLimit | undefined;
  if (limit !== undefined) {
    delete schema[LIMIT_KEY];
    const documentation = limits[limit];
    Object.assign(schema, documentation.bounds);
    appendSentence(schema, documentation.sentence);
  }
  for (const bound of ['minimum', 'maximum'] as const) {
    if (typeof schema[bound] === 'number' && SAFE_EXTREMES.has(schema[bound])) {
      delete schema[bound];
    }
  }
  if (isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      const glossary = FIELD_GLOSSARY[name];
      if (isObject(property) && property.description === undefined && glossary !== undefined) {
        property.description = glossary;
      }
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key !== 'description' && key !== 'enum' && key !== 'required') {
      documentSchema(value, limits);
    }
  }
}
