import { z } from 'zod';
import { DocumentedLimit, documentedLimit } from '../../common/http/documented-limit';
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
    topics: z
      .array(z.string())
      .min(1)
      .describe('Topics the group consumes (replaces the list of an existing group).'),
    lockDurationMs: z
      .number()
      .int()
      .optional()
      .describe('Lock of each delivery, milliseconds; default 30000.')
      .meta(documentedLimit(DocumentedLimit.LOCK_DURATION)),
    maxDeliveryCount: z
      .number()
      .int()
      .optional()
      .describe(
        'Deliveries a record gets at most (default 5); the attempt that reaches it and fails dead-letters the record.',
      )
      .meta({ minimum: 1, maximum: 100 }),
    backoffMs: backoffSchema.optional(),
    deadLetterTopic: z.string().nullable().optional(),
    startFrom: startFromSchema.optional(),
    maxInFlightRecords: z
      .number()
      .int()
      .optional()
      .describe(
        'Records per share partition that may be available or acquired at once (default 2000); finished records do not count.',
      )
      .meta({ minimum: 1, maximum: 100_000 }),
    maxLockMs: z
      .number()
      .int()
      .optional()
      .describe(
        'Longest total lock of one delivery, renewals included (default 43200000); at least lockDurationMs.',
      )
      .meta(documentedLimit(DocumentedLimit.LOCK_DURATION)),
    ordering: z
      .enum(['none', 'key'])
      .optional()
      .describe(
        "'key': never hand out a record while an earlier record of its key in its partition is unfinished (default 'none').",
      ),
  })
  .strict();
export type PutShareGroupBody = z.infer<typeof putShareGroupSchema>;

export const receiveSchema = z
  .object({
    memberId: z.string().min(1).max(256).optional(),
    topics: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Draw only from these topics; an unknown group is created with them, a known one gains the missing ones. Without it an unknown group is 404.',
      ),
    maxRecords: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Most records in the answer (default 100).')
      .meta(documentedLimit(DocumentedLimit.RECEIVE_RECORDS)),
    waitMs: z.number().int().nonnegative().optional().meta(documentedLimit(DocumentedLimit.WAIT)),
    lockDurationMs: z
      .number()
      .int()
      .optional()
      .describe("Lock of these deliveries, milliseconds; default: the group's.")
      .meta(documentedLimit(DocumentedLimit.LOCK_DURATION)),
  })
  .strict();
export type ReceiveBody = z.infer<typeof receiveSchema>;

export const memberParamsSchema = z.object({
  group: z.string(),
  memberId: z.string().min(1).max(256),
});

/** `POST /queues/groups/:group/members/:memberId/release`. */
export const releaseMemberSchema = z
  .object({
    unsent: z
      .array(z.string().max(200))
      .max(10_000)
      .optional()
      .describe(
        "Set by a node for its WebSocket worker: only these deliveries, acquired and never sent, are given back, with their delivery count restored. Honoured only on a request another node forwards; ignored on a client's.",
      ),
  })
  .strict();
export type ReleaseMemberBody = z.infer<typeof releaseMemberSchema>;

/** One acknowledgement; checked item by item so that one bad item fails only itself. */
export const ackItemSchema = z
  .object({
    receipt: z.string(),
    type: z
      .enum(['accept', 'release', 'reject', 'renew'])
      .describe(
        '`accept` finishes the record; `release` makes it available again (after delayMs or the backoff); `reject` archives and dead-letters it (CLIENT_REJECT); `renew` extends its lock.',
      ),
    delayMs: z
      .number()
      .int()
      .nonnegative()
      .max(7 * 24 * 3600_000)
      .optional(),
    lockDurationMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Renew: the lock's new duration from now, milliseconds; default: the group's."),
    error: z
      .string()
      .max(4096)
      .optional()
      .describe('Reject: why, kept in the weir-dlq-error header of the dead-letter record.'),
  })
  .strict();
export type AckItem = z.infer<typeof ackItemSchema>;

export const acksSchema = z.object({ acks: z.array(z.unknown()).min(1) }).strict();

/** `acksSchema` as the OpenAPI document shows it: the items are checked one by one. */
export const documentedAcksSchema = z
  .object({
    acks: z
      .array(ackItemSchema)
      .min(1)
      .describe('One acknowledgement per record, each answered on its own.')
      .meta(documentedLimit(DocumentedLimit.ACK_BATCH)),
  })
  .strict();
export type AcksBody = z.infer<typeof acksSchema>;

export const resetSchema = z
  .object({
    topic: z.string().optional().describe('Only this topic; default: every topic of the group.'),
    partitions: z
      .array(z.number().int().nonnegative())
      .min(1)
      .optional()
      .describe('Only these partitions of `topic` (which it needs); default: every partition.'),
    to: z
      .union([
        z.enum(['earliest', 'latest']),
        z
          .object({ offset: z.number().int().nonnegative().describe('Start at this offset.') })
          .strict(),
        z.object({ timestampMs: z.number().int().nonnegative() }).strict(),
      ])
      .describe(
        'New start: the log start, the log end, an offset, or the first record at or after a timestamp.',
      ),
  })
  .strict()
  .refine((body) => body.partitions === undefined || body.topic !== undefined, {
    message: '`partitions` needs `topic`',
    path: ['partitions'],
  });
export type ResetBody = z.infer<typeof resetSchema>;

export const deliveredRecordSchema = recordViewSchema.extend({
  deliveryCount: z.number().int(),
  receipt: z.string(),
  lockExpiresAtMs: z.number().int(),
});

export const receiveResultSchema = z.object({
  memberId: z.string(),
  records: z
    .array(deliveredRecordSchema)
    .describe('Acquired records, each locked to this member until lockExpiresAtMs.'),
});

export const ackResultSchema = z.object({
  results: z
    .array(
      z.union([
        z.object({
          receipt: z.string(),
          ok: z.literal(true),
          lockExpiresAtMs: z.number().int().optional(),
        }),
        z.object({
          receipt: z.unknown(),
          ok: z.literal(false),
          error: z
            .object({ code: z.string(), message: z.string() })
            .describe(
              'Why this item failed: LOCK_LOST, INVALID_RECEIPT, MAX_LOCK_EXCEEDED or INVALID_REQUEST.',
            ),
        }),
      ]),
    )
    .describe('One result per acknowledgement, in request order.'),
});

export const shareGroupViewSchema = z.object({
  group: z.string(),
  topics: z.array(z.string()).describe('Topics the group consumes.'),
  config: z
    .object({
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
    })
    .describe("The group's settings."),
  partitions: z
    .array(
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
    )
    .describe("One share partition per partition of the group's topics."),
});
export type ShareGroupView = z.infer<typeof shareGroupViewSchema>;

/** `GET /queues/groups`: every share group, its counts summed over its share partitions. */
export const shareGroupListSchema = z.object({
  groups: z
    .array(
      z.object({
        group: z.string(),
        topics: z.array(z.string()).describe('Topics the group consumes.'),
        /** Records not yet done, over all partitions. */
        lag: z.number().int(),
        acquired: z.number().int(),
        available: z.number().int(),
        /** Age of the oldest available record over all partitions, or null when none is. */
        oldestAvailableAgeMs: z.number().int().nullable(),
      }),
    )
    .describe('Every share group, its counts summed over its partitions.'),
});
export type ShareGroupList = z.infer<typeof shareGroupListSchema>;
