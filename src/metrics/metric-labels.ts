/**
 * The fixed label values of metrics whose series exist before their first event. Callers pass
 * values typed by these unions, so a new acknowledgement type or dead-letter reason that is
 * missing here does not compile.
 */
export const SHARE_ACK_TYPES = ['accept', 'release', 'reject', 'renew'] as const;
export type ShareAckType = (typeof SHARE_ACK_TYPES)[number];

export const DEAD_LETTER_REASONS = ['CLIENT_REJECT', 'DELIVERY_COUNT_EXCEEDED'] as const;
export type DeadLetterReasonLabel = (typeof DEAD_LETTER_REASONS)[number];
