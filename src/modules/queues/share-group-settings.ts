import { BrokerError, ErrorCode } from '../../common/errors';
import { assertTopicName } from '../../common/names';
import {
  deadLetterTopicFor,
  SHARE_GROUP_DEFAULTS,
  ShareGroupConfig,
} from './domain/share-group-config';
import type { PutShareGroupBody } from './queues.schemas';

/** The broker's bounds on lock durations (`WEIR_MIN_LOCK_MS`, `WEIR_MAX_LOCK_MS`). */
export interface LockLimits {
  minLockMs: number;
  maxLockMs: number;
}

/**
 * A share group's settings after a `PUT`: the body's values, and for absent ones the group's
 * current values (or the defaults, for a new group). `INVALID_CONFIG` when a value is out of
 * range; names are checked too.
 */
export function mergeShareGroupConfig(
  name: string,
  body: PutShareGroupBody,
  current: ShareGroupConfig | undefined,
  limits: LockLimits,
): ShareGroupConfig {
  const base: ShareGroupConfig = current ?? {
    topics: [],
    lockDurationMs: Math.min(
      Math.max(SHARE_GROUP_DEFAULTS.lockDurationMs, limits.minLockMs),
      limits.maxLockMs,
    ),
    maxDeliveryCount: SHARE_GROUP_DEFAULTS.maxDeliveryCount,
    backoffMs: null,
    deadLetterTopic: undefined,
    startFrom: SHARE_GROUP_DEFAULTS.startFrom,
    maxInFlightRecords: SHARE_GROUP_DEFAULTS.maxInFlightRecords,
    maxLockMs: Math.min(SHARE_GROUP_DEFAULTS.maxLockMs, limits.maxLockMs),
    ordering: SHARE_GROUP_DEFAULTS.ordering,
  };
  const config: ShareGroupConfig = {
    topics: [...new Set(body.topics)],
    lockDurationMs: body.lockDurationMs ?? base.lockDurationMs,
    maxDeliveryCount: body.maxDeliveryCount ?? base.maxDeliveryCount,
    backoffMs: body.backoffMs !== undefined ? body.backoffMs : base.backoffMs,
    deadLetterTopic:
      body.deadLetterTopic !== undefined ? body.deadLetterTopic : base.deadLetterTopic,
    startFrom: body.startFrom ?? base.startFrom,
    maxInFlightRecords: body.maxInFlightRecords ?? base.maxInFlightRecords,
    maxLockMs: body.maxLockMs ?? base.maxLockMs,
    ordering: body.ordering ?? base.ordering,
  };
  validate(name, config, limits);
  return config;
}

function validate(name: string, config: ShareGroupConfig, limits: LockLimits): void {
  const { minLockMs, maxLockMs } = limits;
  const problems: string[] = [];
  if (config.lockDurationMs < minLockMs || config.lockDurationMs > maxLockMs) {
    problems.push(`lockDurationMs must be within [${minLockMs}, ${maxLockMs}]`);
  }
  if (config.maxLockMs < config.lockDurationMs || config.maxLockMs > maxLockMs) {
    problems.push(`maxLockMs must be within [lockDurationMs, ${maxLockMs}]`);
  }
  if (config.maxDeliveryCount < 1 || config.maxDeliveryCount > 100)
    problems.push('maxDeliveryCount must be within [1, 100]');
  if (config.maxInFlightRecords < 1 || config.maxInFlightRecords > 100_000) {
    problems.push('maxInFlightRecords must be within [1, 100000]');
  }
  if (problems.length > 0)
    throw new BrokerError(ErrorCode.INVALID_CONFIG, problems.join('; '), { problems });
  for (const topic of config.topics) {
    assertTopicName(topic);
    const dlq = deadLetterTopicFor(name, config, topic);
    if (dlq !== null) assertTopicName(dlq);
  }
}
