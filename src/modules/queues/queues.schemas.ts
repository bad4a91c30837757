import { z } from 'zod';
import { recordViewSchema } from '../topics/topics.schemas';

const startFromSchema = z.union([
  z.enum(['earliest', 'latest']),
  z.object({ timestampMs: z.number().int().nonnegative() }).strict(),
]);

const backoffSchema = z.union([
  z.array(z.number().int().nonnegative()).max(100),
  z
    .object({
      initialMs: z.number().int().nonnegative(),
      multiplier: z.number().min(1).max(100),
      maxMs: z.number().int().nonnegative(),
    })
    .strict(),
  z.null(),
]);

export const groupParamsSchema = z.object({ group: z.string() });

/** `PUT /queues/groups/:group`: creates the group or changes the fields given. */
export const putShareGroupSchema = z
  .object({
    topics: z.array(z.string()).min(1),
    lockDurationMs: z.number().int().optional(),
    maxDeliveryCount: z.number().int().optional(),
    backoffMs: backoffSchema.optional(),
    deadLetterTopic: z.string().nullable().optional(),
    startFrom: startFromSchema.optional(),
    maxInFlightRecords: z.number().int().optional(),
    maxLockMs: z.number().int().optional(),
    /** `key`: never hand out a record while an earlier one of its key is not finished. */
    ordering: z.enum(['none', 'key']).optional(),
  })
  .strict();
export type PutShareGroupBody = z.infer<typeof putShareGroupSchema>;

export const receiveSchema = z
  .object({
    memberId: z.string().min(1).max(256).optional(),
    topics: z.array(z.string()).min(1).optional(),
    maxRecords: z.number().int().positive().optional(),
    waitMs: z.number().int().nonnegative().optional(),
    lockDurationMs: z.number().int().optional(),
  })
  .strict();
export type ReceiveBody = z.infer<typeof receiveSchema>;

/** One acknowledgement; checked item by item so that one bad item fails only itself. */
export const ackItemSchema = z
  .object({
    receipt: z.string(),
    type: z.enum(['accept', 'release', 'reject', 'renew']),
    delayMs: z
      .number()
      .int()
      .nonnegative()
      .max(7 * 24 * 3600_000)
      .optional(),
    lockDurationMs: z.number().int().positive().optional(),
    error: z.string().max(4096).optional(),
  })
  .strict();
export type AckItem = z.infer<typeof ackItemSchema>;

export const acksSchema = z.object({ acks: z.array(z.unknown()).min(1) }).strict();
export type AcksBody = z.infer<typeof acksSchema>;

export const resetSchema = z
  .object({
    topic: z.string().optional(),
    to: z.union([
      z.enum(['earliest', 'latest']),
      z.object({ offset: z.number().int().nonnegative() }).strict(),
      z.object({ timestampMs: z.number().int().nonnegative() }).strict(),
    ]),
  })
  .strict();
export type ResetBody = z.infer<typeof resetSchema>;

export const deliveredRecordSchema = recordViewSchema.extend({
  deliveryCount: z.number().int(),
  receipt: z.string(),
  lockExpiresAtMs: z.number().int(),
});

export const receiveResultSchema = z.object({
  memberId: z.string(),
  records: z.array(deliveredRecordSchema),
});

export const ackResultSchema = z.object({
  results: z.array(
    z.union([
      z.object({
        receipt: z.string(),
        ok: z.literal(true),
        lockExpiresAtMs: z.number().int().optional(),
      }),
      z.object({
        receipt: z.unknown(),
        ok: z.literal(false),
        error: z.object({ code: z.string(), message: z.string() }),
      }),
    ]),
  ),
});

export const shareGroupViewSchema = z.object({
  group: z.string(),
  topics: z.array(z.string()),
  config: z.object({
    lockDurationMs: z.number().int(),
    maxDeliveryCount: z.number().int(),
    backoffMs: backoffSchema,
    /** The name given, `dlq.<group>.<topic>` by default, or null when dead-lettering is off. */
    deadLetterTopic: z.string().nullable(),
    /** The dead-letter topic of each of the group's topics. */
    deadLetterTopics: z.record(z.string(), z.string().nullable()),
    startFrom: startFromSchema,
    maxInFlightRecords: z.number().int(),
    maxLockMs: z.number().int(),
    /** `key`: records of one key are handed out one at a time, in offset order. */
    ordering: z.enum(['none', 'key']),
  }),
  partitions: z.array(
    z.object({
      topic: z.string(),
      partition: z.number().int(),
      startOffset: z.number().int(),
      endOffset: z.number().int(),
      available: z.number().int(),
      acquired: z.number().int(),
      acknowledged: z.number().int(),
      archived: z.number().int(),
      lag: z.number().int(),
      oldestAvailableAgeMs: z.number().int().nullable(),
    }),
  ),
});
export type ShareGroupView = z.infer<typeof shareGroupViewSchema>;

/** `GET /queues/groups`: every share group, its counts summed over its share partitions. */
export const shareGroupListSchema = z.object({
  groups: z.array(
    z.object({
      group: z.string(),
      topics: z.array(z.string()),
      /** Records not yet done, over all partitions. */
      lag: z.number().int(),
      acquired: z.number().int(),
      available: z.number().int(),
      /** Age of the oldest available record over all partitions, or null when none is. */
      oldestAvailableAgeMs: z.number().int().nullable(),
    }),
  ),
});
export type ShareGroupList = z.infer<typeof shareGroupListSchema>;
