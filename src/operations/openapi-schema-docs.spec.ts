import { z } from 'zod';
import { DocumentedLimit, documentedLimit } from '../common/http/documented-limit';
import { limitDocumentation } from './openapi-limits';
import { documentSchema } from './openapi-schema-docs';

const limits = limitDocumentation({
  minLockMs: 500,
  maxLockMs: 60_000,
  maxPartitions: 8,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 60_000,
  maxRequestBytes: 4096,
  maxReadRecords: 50,
  maxReceiveRecords: 20,
  maxWaitMs: 1000,
  maxBatchRecords: 10,
  maxAckBatch: 30,
});

const documented = (schema: z.ZodType): Record<string, Record<string, unknown>> => {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' });
  documentSchema(json, limits);
  return (json as { properties: Record<string, Record<string, unknown>> }).properties;
};

describe('documentSchema', () => {
  it('replaces a named limit with the configured bounds and says so in the description', () => {
    const { lockDurationMs } = documented(
      z.object({
        lockDurationMs: z
          .number()
          .int()
          .describe('Lock of each delivery.')
          .meta(documentedLimit(DocumentedLimit.LOCK_DURATION)),
      }),
    );
    expect(lockDurationMs).toEqual({
      type: 'integer',
      minimum: 500,
      maximum: 60_000,
      description:
        'Lock of each delivery. Within [500, 60000] (WEIR_MIN_LOCK_MS, WEIR_MAX_LOCK_MS).',
    });
  });

  it('drops the safe-integer extremes zod writes for .int(), keeping real bounds', () => {
    const fields = documented(
      z.object({ offset: z.number().int(), retentionMs: z.number().int().min(-1) }),
    );
    expect(fields.offset).toEqual({ type: 'integer', description: 'Offset in the partition.' });
    expect(fields.retentionMs).toMatchObject({ minimum: -1 });
    expect(fields.retentionMs).not.toHaveProperty('maximum');
  });

  it('documents caps as sentences and array limits as maxItems', () => {
    const fields = documented(
      z.object({
        waitMs: z.number().int().meta(documentedLimit(DocumentedLimit.WAIT)),
        acks: z.array(z.string()).meta(documentedLimit(DocumentedLimit.ACK_BATCH)),
      }),
    );
    expect(fields.waitMs).not.toHaveProperty('maximum');
    expect(fields.waitMs!.description).toContain('lowered to 1000 (WEIR_MAX_WAIT_MS)');
    expect(fields.acks).toMatchObject({ maxItems: 30 });
    expect(fields.acks!.description).toContain('413 BATCH_TOO_LARGE');
  });

  it('gives a field without a description the glossary meaning of its name, and keeps its own', () => {
    const fields = documented(
      z.object({ receipt: z.string(), topic: z.string().describe('Only this topic.') }),
    );
    expect(fields.receipt!.description).toMatch(/one delivery/);
    expect(fields.topic!.description).toBe('Only this topic.');
  });
});
