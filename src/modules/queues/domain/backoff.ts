/**
 * How long a released (or expired) record waits before it can be delivered again, by the
 * delivery count of the attempt that just ended. Either a list (`[1000, 5000, 30000]`: the n-th
 * delivery's entry, the last one repeating) or exponential with a cap.
 */
export type BackoffPolicy =
  | { kind: 'none' }
  | { kind: 'schedule'; delaysMs: readonly number[] }
  | { kind: 'exponential'; initialMs: number; multiplier: number; maxMs: number };

export const NO_BACKOFF: BackoffPolicy = { kind: 'none' };

/** The release delay after the attempt numbered `deliveryCount` (1 for the first delivery). */
export function backoffDelayMs(policy: BackoffPolicy, deliveryCount: number): number {
  const attempt = Math.max(1, deliveryCount);
  switch (policy.kind) {
    case 'none':
      return 0;
    case 'schedule':
      if (policy.delaysMs.length === 0) return 0;
      return policy.delaysMs[Math.min(attempt, policy.delaysMs.length) - 1] ?? 0;
    case 'exponential':
      return Math.min(
        policy.maxMs,
        Math.round(policy.initialMs * policy.multiplier ** (attempt - 1)),
      );
  }
}
