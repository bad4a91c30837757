import request from 'supertest';
import { ErrorCode } from '../../src/common/errors';
import { ERROR_STATUS } from '../../src/common/http/error-status';
import { useBroker } from '../support/broker-fixture';
import { validateOpenApi } from '../support/openapi-validate';

type Json = Record<string, unknown>;

interface Operation {
  summary: string;
  description?: string;
  parameters: Array<{ name: string; in: string; description?: string; schema: Json }>;
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Json }> }>;
}

const operationsOf = (doc: Json): Array<[string, Operation]> =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, operations]) =>
      Object.entries(operations).map(
        ([method, operation]) =>
          [`${method.toUpperCase()} ${path}`, operation] as [string, Operation],
      ),
  );

/** Every schema of an operation: parameters, body and answers. */
const schemasOf = (operation: Operation): Json[] => [
  ...operation.parameters.map((p) => p.schema),
  ...Object.values(operation.requestBody?.content ?? {}).map((c) => c.schema),
  ...Object.values(operation.responses).flatMap((r) =>
    Object.values(r.content ?? {}).map((c) => c.schema),
  ),
];

/** Calls `visit` on every schema node under `schema`, with its path. */
function walk(schema: unknown, path: string, visit: (node: Json, path: string) => void): void {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Json;
  visit(node, path);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [name, property] of Object.entries(value)) {
        walk(property, `${path}.${name}`, visit);
      }
    } else if (key !== 'enum' && key !== 'required') {
      walk(value, `${path}/${key}`, visit);
    }
  }
}

/** The error codes an operation documents, by the status they are listed under. */
const documentedErrors = (operation: Operation): Array<[string, string]> =>
  Object.entries(operation.responses)
    .filter(([status]) => /^[45]\d\d$/.test(status))
    .flatMap(([status, response]) => {
      const schema = response.content?.['application/json']?.schema as
        { properties: { error: { properties: { code: { enum: string[] } } } } } | undefined;
      const codes = schema?.properties.error.properties.code.enum ?? [];
      return codes.map((code) => [status, code] as [string, string]);
    });

describe('the OpenAPI document', () => {
  const fixture = useBroker({ WEIR_MIN_LOCK_MS: '2000', WEIR_MAX_PARTITIONS: '64' });
  const fetchDocument = async (): Promise<Json> =>
    (await request(fixture.broker.url).get('/openapi.json').expect(200)).body as Json;

  it('is a valid OpenAPI 3.0 document', async () => {
    const result = validateOpenApi(await fetchDocument());
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every operation beyond its summary', async () => {
    const undescribed = operationsOf(await fetchDocument())
      .filter(([, op]) => !op.description || op.description === op.summary)
      .map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  it('describes every parameter and every field of every body and answer', async () => {
    const missing: string[] = [];
    for (const [name, operation] of operationsOf(await fetchDocument())) {
      for (const parameter of operation.parameters) {
        if (!parameter.description) missing.push(`${name} ${parameter.in} ${parameter.name}`);
      }
      schemasOf(operation).forEach((schema, i) =>
        walk(schema, `${name} #${i}`, (node, path) => {
          const properties = (node.properties ?? {}) as Record<string, Json>;
          for (const [field, property] of Object.entries(properties)) {
            if (!property.description) missing.push(`${path}.${field}`);
          }
        }),
      );
    }
    expect(missing).toEqual([]);
  });

  it('shows no safe-integer extreme as a bound, and the configured bounds where they apply', async () => {
    const doc = await fetchDocument();
    const extremes: string[] = [];
    for (const [name, operation] of operationsOf(doc)) {
      schemasOf(operation).forEach((schema, i) =>
        walk(schema, `${name} #${i}`, (node, path) => {
          for (const bound of ['minimum', 'maximum', 'maxItems', 'minItems', 'maxLength']) {
            const value = node[bound];
            if (typeof value === 'number' && Math.abs(value) >= Number.MAX_SAFE_INTEGER) {
              extremes.push(`${path} ${bound} ${value}`);
            }
          }
        }),
      );
    }
    expect(extremes).toEqual([]);

    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const bodyOf = (path: string, method: string) =>
      paths[path]![method]!.requestBody!.content['application/json']!.schema.properties as Record<
        string,
        Json
      >;
    // this broker runs with WEIR_MIN_LOCK_MS=2000 and WEIR_MAX_PARTITIONS=64
    expect(bodyOf('/queues/groups/{group}', 'put').lockDurationMs).toMatchObject({
      minimum: 2000,
      maximum: 43_200_000,
    });
    expect(bodyOf('/queues/groups/{group}/receive', 'post').lockDurationMs).toMatchObject({
      minimum: 2000,
      maximum: 43_200_000,
    });
    expect(bodyOf('/queues/groups/{group}', 'put').maxDeliveryCount).toMatchObject({
      minimum: 1,
      maximum: 100,
    });
    expect(bodyOf('/topics', 'post').partitions).toMatchObject({ minimum: 1, maximum: 64 });
    expect(bodyOf('/streams/groups/{group}/members', 'post').sessionTimeoutMs).toMatchObject({
      minimum: 6000,
      maximum: 1_800_000,
    });
    expect(bodyOf('/topics/{topic}/records', 'post').records).toMatchObject({ maxItems: 10_000 });
    const waitMs = paths['/topics/{topic}/partitions/{partition}/records']!.get!.parameters.find(
      (p) => p.name === 'waitMs',
    );
    expect(waitMs?.description).toContain('lowered to 30000 (WEIR_MAX_WAIT_MS)');
  });

  it('lists the error responses of every operation, each code under its own status and in the catalogue', async () => {
    const doc = await fetchDocument();
    const codes = new Set<string>(Object.values(ErrorCode));
    const wrong: string[] = [];
    for (const [name, operation] of operationsOf(doc)) {
      const errors = documentedErrors(operation);
      if (errors.length === 0) wrong.push(`${name}: no error response`);
      for (const [status, code] of errors) {
        if (!codes.has(code)) wrong.push(`${name}: ${code} is not an error code`);
        else if (String(ERROR_STATUS[code as ErrorCode]) !== status) {
          wrong.push(`${name}: ${code} under ${status}`);
        }
      }
    }
    expect(wrong).toEqual([]);

    const byOperation = new Map(
      operationsOf(doc).map(([name, op]) => [name, documentedErrors(op)]),
    );
    expect(byOperation.get('POST /topics')).toEqual(
      expect.arrayContaining([
        ['409', 'TOPIC_ALREADY_EXISTS'],
        ['422', 'INVALID_PARTITION_COUNT'],
        ['400', 'INVALID_REQUEST'],
        ['401', 'UNAUTHENTICATED'],
        ['403', 'FORBIDDEN'],
      ]),
    );
    expect(byOperation.get('POST /streams/groups/{group}/offsets')).toEqual(
      expect.arrayContaining([
        ['409', 'STALE_GENERATION'],
        ['409', 'NOT_PARTITION_OWNER'],
        ['404', 'MEMBER_NOT_FOUND'],
      ]),
    );
    expect(byOperation.get('GET /health/ready')).toEqual(
      expect.arrayContaining([['503', 'NOT_READY']]),
    );
    expect(byOperation.get('GET /health/live')!.map(([, code]) => code)).not.toContain(
      'UNAUTHENTICATED',
    );
  });

  it('documents the WebSocket protocol in its description and on the /docs page', async () => {
    const doc = await fetchDocument();
    const description = (doc.info as { description: string }).description;
    for (const frame of ['produce', 'subscribe', 'credit', 'ack', 'commit', 'unsubscribe']) {
      expect(description).toContain(`"type": "${frame}"`);
    }
    expect(description).toContain('/ws');
    const page = await request(fixture.broker.url).get('/docs').expect(200);
    expect(page.text).toContain('WebSocket protocol');
    expect(page.text).toContain('TOPIC_ALREADY_EXISTS');
  });
});
