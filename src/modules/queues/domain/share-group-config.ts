import { BackoffPolicy, NO_BACKOFF } from './backoff';
import { Ordering } from './key-order';

/** Where a share group starts on a partition it has never consumed. */
export type StartFrom = 'earliest' | 'latest' | { timestampMs: number };

/** A share group's settings, with every default applied. */
export interface ShareGroupConfig {
  topics: string[];
  lockDurationMs: number;
  maxDeliveryCount: number;
  /** As the API states it: a schedule, an exponential policy, or null for none. */
  backoffMs: number[] | { initialMs: number; multiplier: number; maxMs: number } | null;
  /** undefined: `dlq.<group>.<topic>`; null: no dead-lettering (archive only). */
  deadLetterTopic: string | null | undefined;
  startFrom: StartFrom;
  maxInFlightRecords: number;
  maxLockMs: number;
  /** Per-key ordering (`none` for a group stored before the option existed). */
  ordering: Ordering;
}

/** DESIGN §3 defaults. */
export const SHARE_GROUP_DEFAULTS = {
  lockDurationMs: 30_000,
  maxDeliveryCount: 5,
  startFrom: 'earliest' as StartFrom,
  maxInFlightRecords: 2000,
  maxLockMs: 12 * 3600_000,
  ordering: Ordering.NONE as Ordering,
} as const;

/** A stored group's settings, with the defaults of options added since it was stored. */
export function storedShareGroupConfig(json: string): ShareGroupConfig {
  const stored = JSON.parse(json) as Omit<ShareGroupConfig, 'ordering'> & { ordering?: Ordering };
  return { ...stored, ordering: stored.ordering ?? SHARE_GROUP_DEFAULTS.ordering };
}

export function toBackoffPolicy(backoffMs: ShareGroupConfig['backoffMs']): BackoffPolicy {
  if (backoffMs === null) return NO_BACKOFF;
  if (Array.isArray(backoffMs)) return { kind: 'schedule', delaysMs: backoffMs };
  return { kind: 'exponential', ...backoffMs };
}

/** The dead-letter topic for records of `topic`, or null when dead-lettering is off. */
export function deadLetterTopicFor(
  group: string,
  config: ShareGroupConfig,
  topic: string,
): string | null {
  if (config.deadLetterTopic === null) return null;
  return config.deadLetterTopic ?? `dlq.${group}.${topic}`;
}
