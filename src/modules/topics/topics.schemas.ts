import { z } from 'zod';
import { DocumentedLimit, documentedLimit } from '../../common/http/documented-limit';

/** Non-negative integer from a query-string or path value. */
const queryInteger = z.coerce.number().int().nonnegative();

export const topicConfigSchema = z
  .object({
    /** Delete records older than this; -1 keeps them forever. */
    retentionMs: z.number().int().min(-1).optional(),
    /** Delete the oldest records while a partition holds more bytes than this; -1: no limit. */
    retentionBytes: z.number().int().min(-1).optional(),
    /** Largest record (key + value + headers) the topic accepts. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .meta(documentedLimit(DocumentedLimit.MESSAGE_BYTES)),
  })
  .strict()
  .describe('Topic settings; a PATCH changes only the fields it names.');

export const createTopicSchema = z
  .object({
    name: z.string().describe('Topic name: `^[A-Za-z0-9._-]{1,249}$`.'),
    partitions: z
      .number()
      .int()
      .optional()
      .describe('Number of partitions; default WEIR_DEFAULT_PARTITIONS.')
      .meta(documentedLimit(DocumentedLimit.PARTITIONS)),
    config: topicConfigSchema.optional(),
  })
  .strict();
export type CreateTopicBody = z.infer<typeof createTopicSchema>;

export const updateTopicSchema = z
  .object({
    partitions: z
      .number()
      .int()
      .optional()
      .describe('New number of partitions: as many as now or more, never fewer.')
      .meta(documentedLimit(DocumentedLimit.PARTITIONS)),
    config: topicConfigSchema.optional(),
  })
  .strict();
export type UpdateTopicBody = z.infer<typeof updateTopicSchema>;

export const topicParamsSchema = z.object({ topic: z.string() });

export const partitionParamsSchema = z.object({
  topic: z.string(),
  partition: queryInteger,
});

/** One record as a producer sends it. */
export const recordInputSchema = z
  .object({
    key: z.string().nullable().optional(),
    keyBase64: z.base64().optional(),
    /** Any JSON value; it already is JSON, having come through the JSON parser. */
    value: z.unknown().optional(),
    valueBase64: z.base64().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    partition: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Partition to append to; default: by key hash, else sticky round-robin.'),
    timestampMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Create time, epoch milliseconds; default: the append time.'),
  })
  .strict()
  .refine((r) => !(r.key != null && r.keyBase64 !== undefined), {
    message: 'give key or keyBase64, not both',
  })
  .refine((r) => !(r.value !== undefined && r.valueBase64 !== undefined), {
    message: 'give value or valueBase64, not both',
  });

export const produceSchema = z
  .object({
    records: z
      .array(recordInputSchema)
      .min(1)
      .describe('Records to append, answered in this order.')
      .meta(documentedLimit(DocumentedLimit.BATCH_RECORDS)),
  })
  .strict();
export type ProduceBody = z.infer<typeof produceSchema>;

export const readQuerySchema = z.object({
  /** First offset to read; default: the log start offset. */
  offset: queryInteger.optional().describe('First offset to read; default: the log start offset.'),
  maxRecords: z.coerce
    .number()
    .int()
    .positive()
    .default(100)
    .meta(documentedLimit(DocumentedLimit.READ_RECORDS)),
  waitMs: queryInteger.default(0).meta(documentedLimit(DocumentedLimit.WAIT)),
});
export type ReadQuery = z.infer<typeof readQuerySchema>;

const partitionViewSchema = z.object({
  partition: z.number().int(),
  logStartOffset: z.number().int(),
  logEndOffset: z.number().int(),
  records: z.number().int().describe('Records in the partition now.'),
  bytes: z.number().int().describe('Bytes of those records (keys, values and headers).'),
});

export const topicViewSchema = z.object({
  name: z.string().describe('Topic name.'),
  config: z
    .object({
      retentionMs: z.number().int(),
      retentionBytes: z.number().int(),
      maxMessageBytes: z.number().int(),
    })
    .describe('Topic settings.'),
  partitions: z.array(partitionViewSchema).describe('Every partition with its offsets and size.'),
});
export type TopicView = z.infer<typeof topicViewSchema>;

export const topicListSchema = z.object({
  topics: z.array(topicViewSchema).describe('Every topic, dead-letter topics included.'),
});

export const recordViewSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int().describe('Offset of the record in its partition.'),
  timestampMs: z.number().int(),
  key: z.string().optional(),
  keyBase64: z.string().optional(),
  /** Any JSON value. */
  value: z.unknown().optional(),
  valueBase64: z.string().optional(),
  headers: z.record(z.string(), z.string()),
});

export const produceResultSchema = z.object({
  offsets: z
    .array(
      z.object({
        partition: z.number().int(),
        offset: z.number().int().describe('Offset the record got.'),
      }),
    )
    .describe('Where each record went, in request order.'),
});

export const readResultSchema = z.object({
  records: z
    .array(recordViewSchema)
    .describe('Records from the offset asked for, in offset order.'),
  nextOffset: z.number().int(),
  logStartOffset: z.number().int(),
  logEndOffset: z.number().int(),
});
