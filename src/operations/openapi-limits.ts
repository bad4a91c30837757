import { DocumentedLimit } from '../common/http/documented-limit';
import type { BrokerConfig } from '../config/broker-config';

/** What a configured limit adds to a JSON schema: bounds, and a sentence for its description. */
export interface LimitDocumentation {
  bounds: { minimum?: number; maximum?: number; maxItems?: number };
  sentence: string;
}

type LimitSettings = Pick<
  BrokerConfig,
  | 'minLockMs'
  | 'maxLockMs'
  | 'maxPartitions'
  | 'minSessionTimeoutMs'
  | 'maxSessionTimeoutMs'
  | 'maxRequestBytes'
  | 'maxReadRecords'
  | 'maxReceiveRecords'
  | 'maxWaitMs'
  | 'maxBatchRecords'
  | 'maxAckBatch'
>;

/** The configured value of every documented limit, as the OpenAPI document shows it. */
export function limitDocumentation(
  config: LimitSettings,
): Record<DocumentedLimit, LimitDocumentation> {
  const range = (minimum: number, maximum: number, settings: string): LimitDocumentation => ({
    bounds: { minimum, maximum },
    sentence: `Within [${minimum}, ${maximum}] (${settings}).`,
  });
  const cap = (maximum: number, setting: string): LimitDocumentation => ({
    bounds: {},
    sentence: `Larger values are lowered to ${maximum} (${setting}), not refused.`,
  });
  const items = (maxItems: number, setting: string): LimitDocumentation => ({
    bounds: { maxItems },
    sentence: `At most ${maxItems} items (${setting}); more is 413 BATCH_TOO_LARGE.`,
  });
  return {
    lockDuration: range(config.minLockMs, config.maxLockMs, 'WEIR_MIN_LOCK_MS, WEIR_MAX_LOCK_MS'),
    partitions: range(1, config.maxPartitions, 'WEIR_MAX_PARTITIONS'),
    sessionTimeout: range(
      config.minSessionTimeoutMs,
      config.maxSessionTimeoutMs,
      'WEIR_MIN_SESSION_TIMEOUT_MS, WEIR_MAX_SESSION_TIMEOUT_MS',
    ),
    messageBytes: range(1, config.maxRequestBytes, 'WEIR_MAX_REQUEST_BYTES'),
    readRecords: cap(config.maxReadRecords, 'WEIR_MAX_READ_RECORDS'),
    receiveRecords: cap(config.maxReceiveRecords, 'WEIR_MAX_RECEIVE_RECORDS'),
    wait: cap(config.maxWaitMs, 'WEIR_MAX_WAIT_MS'),
    batchRecords: items(config.maxBatchRecords, 'WEIR_MAX_BATCH_RECORDS'),
    ackBatch: items(config.maxAckBatch, 'WEIR_MAX_ACK_BATCH'),
  };
}
