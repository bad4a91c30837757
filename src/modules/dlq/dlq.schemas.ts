import { z } from 'zod';
import { DocumentedLimit, documentedLimit } from '../../common/http/documented-limit';
import { recordViewSchema } from '../topics/topics.schemas';

export const dlqTopicParamsSchema = z.object({ topic: z.string() });

export const dlqBrowseQuerySchema = z.object({
  /** First offset to read (partition 0 and every other partition); default: the log start. */
  offset: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('First offset to read; default: the log start offset.'),
  maxRecords: z.coerce
    .number()
    .int()
    .positive()
    .default(100)
    .meta(documentedLimit(DocumentedLimit.READ_RECORDS)),
  /** The partition to browse (dead-letter topics have one by default). */
  partition: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('Partition to browse (dead-letter topics have one by default).'),
});
export type DlqBrowseQuery = z.infer<typeof dlqBrowseQuerySchema>;

const reasonSchema = z.enum(['CLIENT_REJECT', 'DELIVERY_COUNT_EXCEEDED']);

/** Which records to redrive: `fromOffset` inclusive, `toOffset` exclusive, in every partition. */
export const redriveSchema = z
  .object({
    fromOffset: z.number().int().nonnegative().optional(),
    toOffset: z.number().int().nonnegative().optional(),
    reason: reasonSchema.optional(),
    targetTopic: z.string().optional(),
  })
  .strict();
export type RedriveBody = z.infer<typeof redriveSchema>;

export const purgeSchema = z.object({ beforeOffset: z.number().int().nonnegative() }).strict();
export type PurgeBody = z.infer<typeof purgeSchema>;

export const dlqListSchema = z.object({
  topics: z
    .array(
      z.object({
        topic: z.string(),
        records: z.number().int().describe('Dead-letter records in the topic now.'),
        oldestAgeMs: z.number().int().nullable(),
        byReason: z.record(z.string(), z.number().int()),
      }),
    )
    .describe('Every dead-letter topic, by name.'),
});
export type DlqList = z.infer<typeof dlqListSchema>;

export const dlqRecordsSchema = z.object({
  records: z
    .array(recordViewSchema)
    .describe('Dead-letter records in offset order, with their lineage headers (weir-dlq-*).'),
  nextOffset: z.number().int(),
  logStartOffset: z.number().int(),
  logEndOffset: z.number().int(),
});

export const redriveResultSchema = z.object({
  redriven: z.number().int(),
  skipped: z.number().int(),
});
export const purgeResultSchema = z.object({ purged: z.number().int() });
