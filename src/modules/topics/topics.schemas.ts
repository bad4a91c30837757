import { z } from 'zod';

/** Non-negative integer from a query-string or path value. */
const queryInteger = z.coerce.number().int().nonnegative();

export const topicConfigSchema = z
  .object({
    /** Delete records older than this; -1 keeps them forever. */
    retentionMs: z.number().int().min(-1).optional(),
    /** Delete the oldest records while a partition holds more bytes than this; -1: no limit. */
    retentionBytes: z.number().int().min(-1).optional(),
    /** Largest record (key + value + headers) the topic accepts. */
    maxMessageBytes: z.number().int().positive().optional(),
  })
  .strict();

export const createTopicSchema = z
  .object({
    name: z.string(),
    partitions: z.number().int().optional(),
    config: topicConfigSchema.optional(),
  })
  .strict();
export type CreateTopicBody = z.infer<typeof createTopicSchema>;

export const updateTopicSchema = z
  .object({
    partitions: z.number().int().optional(),
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
    partition: z.number().int().nonnegative().optional(),
    timestampMs: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((r) => !(r.key != null && r.keyBase64 !== undefined), {
    message: 'give key or keyBase64, not both',
  })
  .refine((r) => !(r.value !== undefined && r.valueBase64 !== undefined), {
    message: 'give value or valueBase64, not both',
  });

export const produceSchema = z.object({ records: z.array(recordInputSchema).min(1) }).strict();
export type ProduceBody = z.infer<typeof produceSchema>;

export const readQuerySchema = z.object({
  /** First offset to read; default: the log start offset. */
  offset: queryInteger.optional(),
  maxRecords: z.coerce.number().int().positive().default(100),
  waitMs: queryInteger.default(0),
});
export type ReadQuery = z.infer<typeof readQuerySchema>;

const partitionViewSchema = z.object({
  partition: z.number().int(),
  logStartOffset: z.number().int(),
  logEndOffset: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
});

export const topicViewSchema = z.object({
  name: z.string(),
  config: z.object({
    retentionMs: z.number().int(),
    retentionBytes: z.number().int(),
    maxMessageBytes: z.number().int(),
  }),
  partitions: z.array(partitionViewSchema),
});
export type TopicView = z.infer<typeof topicViewSchema>;

export const topicListSchema = z.object({ topics: z.array(topicViewSchema) });

export const recordViewSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  timestampMs: z.number().int(),
  key: z.string().optional(),
  keyBase64: z.string().optional(),
  /** Any JSON value. */
  value: z.unknown().optional(),
  valueBase64: z.string().optional(),
  headers: z.record(z.string(), z.string()),
});

export const produceResultSchema = z.object({
  offsets: z.array(z.object({ partition: z.number().int(), offset: z.number().int() })),
});

export const readResultSchema = z.object({
  records: z.array(recordViewSchema),
  nextOffset: z.number().int(),
  logStartOffset: z.number().int(),
  logEndOffset: z.number().int(),
});
