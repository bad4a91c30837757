import { z } from 'zod';
import { DocumentedLimit, documentedLimit } from '../../common/http/documented-limit';
import { recordViewSchema } from '../topics/topics.schemas';

const integer = z.number().int().nonnegative();

/** A member id: chosen by the broker (a UUID) or by the client when it joins. */
const memberIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,249}$/, 'must be 1 to 249 of A-Z a-z 0-9 . _ : -');

export const groupParamsSchema = z.object({ group: z.string() });

export const memberParamsSchema = z.object({ group: z.string(), memberId: memberIdSchema });

export const joinSchema = z
  .object({
    /** Topics the member subscribes to; missing ones are created when auto-creation is on. */
    topics: z
      .array(z.string())
      .min(1)
      .describe(
        'Topics the member subscribes to; missing ones are created when auto-creation is on.',
      ),
    /** Join again under this id (keeps the member's partitions); default: a new id. */
    memberId: memberIdSchema.optional(),
    /** The member is removed when it neither heartbeats nor polls for this long. */
    sessionTimeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'The member is removed when it neither polls nor heartbeats for this long, milliseconds; default 45000.',
      )
      .meta(documentedLimit(DocumentedLimit.SESSION_TIMEOUT)),
    /** Where to start a partition without a committed offset. */
    autoOffsetReset: z.enum(['earliest', 'latest']).default('latest'),
    /** Commit what a poll returned when the member polls again (or leaves). */
    autoCommit: z.boolean().default(true),
  })
  .strict();
export type JoinBody = z.infer<typeof joinSchema>;

export const pollSchema = z
  .object({
    maxRecords: z
      .number()
      .int()
      .positive()
      .default(500)
      .meta(documentedLimit(DocumentedLimit.READ_RECORDS)),
    /** Wait up to this long (capped by WEIR_MAX_WAIT_MS) when there is nothing to read yet. */
    waitMs: integer.default(0).meta(documentedLimit(DocumentedLimit.WAIT)),
    /**
     * Partitions the member paused: this poll reads none of their records and leaves their
     * positions where they are (a later poll without them reads on from there).
     */
    paused: z
      .array(z.object({ topic: z.string(), partition: integer }).strict())
      .max(10_000)
      .optional()
      .describe(
        'Partitions this poll does not read; their positions stay where they are (a later poll without them reads on).',
      ),
  })
  .strict();
export type PollBody = z.infer<typeof pollSchema>;

/** A partition, as assignments and `owned` lists name it. */
export const topicPartitionSchema = z.object({ topic: z.string(), partition: integer }).strict();

export const heartbeatSchema = z
  .object({
    /**
     * The partitions the member still reads (it is processing their records). A revoked
     * partition is handed over when this list no longer names it; without the list the heartbeat
     * only keeps the member alive.
     */
    owned: z
      .array(topicPartitionSchema)
      .optional()
      .describe(
        'Partitions the member still reads; a revoked partition not listed is handed over. Without it the heartbeat only keeps the member alive.',
      ),
  })
  .strict();
export type HeartbeatBody = z.infer<typeof heartbeatSchema>;

/** An offset to commit: the next offset to read in that partition. */
export const offsetSchema = z
  .object({
    topic: z.string(),
    partition: integer,
    offset: integer.describe('The next offset to read in the partition.'),
  })
  .strict();
export type OffsetBody = z.infer<typeof offsetSchema>;

export const commitSchema = z
  .object({
    memberId: memberIdSchema,
    /**
     * The generation of the member's last poll, heartbeat or join answer. The commit is refused
     * only if the member lost a partition since (or does not own it).
     */
    generation: integer,
    offsets: z.array(offsetSchema).min(1).describe('Offsets to commit, all or nothing.'),
  })
  .strict();
export type CommitBody = z.infer<typeof commitSchema>;

export const resetTargetSchema = z
  .union([
    z.enum(['earliest', 'latest']),
    z.object({ offset: integer.describe('Commit this offset.') }).strict(),
    z.object({ timestampMs: integer }).strict(),
  ])
  .describe(
    'New committed offset: the log start, the log end, an offset, or the first record at or after a timestamp (the log end when none is).',
  );

export const resetSchema = z
  .object({
    topic: z.string(),
    /** Default: every partition of the topic. */
    partitions: z
      .array(integer)
      .min(1)
      .optional()
      .describe('Partitions to reset; default: every partition of the topic.'),
    to: resetTargetSchema,
  })
  .strict();
export type ResetBody = z.infer<typeof resetSchema>;

const assignmentSchema = z.array(z.object({ topic: z.string(), partition: z.number().int() }));

export const assignmentAnswerSchema = z.object({
  generation: z.number().int(),
  assignment: assignmentSchema,
});
export type AssignmentAnswer = z.infer<typeof assignmentAnswerSchema>;

export const joinAnswerSchema = assignmentAnswerSchema.extend({ memberId: z.string() });
export type JoinAnswer = z.infer<typeof joinAnswerSchema>;

export const pollAnswerSchema = assignmentAnswerSchema.extend({
  records: z
    .array(recordViewSchema)
    .describe("Records of the member's partitions, each partition's in offset order."),
});

export const commitAnswerSchema = z.object({
  offsets: z.array(offsetSchema).describe('The offsets committed.'),
});

export const groupViewSchema = z.object({
  group: z.string(),
  generation: z.number().int(),
  members: z
    .array(z.object({ memberId: z.string(), assignment: assignmentSchema }))
    .describe('Every member with its partitions.'),
  partitions: z
    .array(
      z.object({
        topic: z.string(),
        partition: z.number().int(),
        /** Null when the group never committed in this partition. */
        committedOffset: z.number().int().nullable(),
        logEndOffset: z.number().int(),
        /** logEndOffset - committedOffset; null without a committed offset. */
        lag: z.number().int().nullable(),
        /** The member that owns the partition now, if any. */
        memberId: z.string().nullable(),
      }),
    )
    .describe('Every partition of the subscribed topics, and those with a committed offset.'),
});
export type GroupView = z.infer<typeof groupViewSchema>;

/** `GET /streams/groups`: one line per group. */
export const groupListSchema = z.object({
  groups: z
    .array(
      z.object({
        group: z.string(),
        generation: z.number().int(),
        /** Number of members. */
        members: z.number().int().describe('Number of members.'),
        /** Topics the members subscribe to or the group has committed offsets in, sorted. */
        topics: z
          .array(z.string())
          .describe('Topics the members subscribe to or the group has committed offsets in.'),
        /** Sum of the lag of the partitions with a committed offset. */
        lag: z.number().int().describe('Sum of the lag of the partitions with a committed offset.'),
      }),
    )
    .describe('Every streaming consumer group.'),
});
export type GroupList = z.infer<typeof groupListSchema>;

/** `subscribe` in mode `stream`. */
export const subscribeStreamFrameSchema = z
  .object({
    type: z.literal('subscribe'),
    requestId: z.unknown().optional(),
    mode: z.literal('stream'),
    group: z.string(),
    topics: z.array(z.string()).min(1),
    credit: integer,
    autoOffsetReset: z.enum(['earliest', 'latest']).default('latest'),
  })
  .strict();

/** `commit` on a stream subscription; the generation is optional (default: the current one). */
export const commitFrameSchema = z
  .object({
    type: z.literal('commit'),
    requestId: z.unknown().optional(),
    subscriptionId: z.string(),
    generation: integer.optional(),
    offsets: z.array(offsetSchema).min(1),
  })
  .strict();
