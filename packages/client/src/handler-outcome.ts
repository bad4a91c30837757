import { AckType } from './ack-queue';
import { NonRetriableError } from './errors';
import { ShareRecord } from './records';

/** Handles one delivery: resolve to accept, throw to release, throw NonRetriableError to reject. */
export type ShareHandler = (
  record: ShareRecord,
  context: { signal: AbortSignal },
) => Promise<void> | void;

/** How a worker answers a delivery once its handler ended. */
export interface HandlerAnswer {
  type: AckType;
  /** reject: the text stored in the dead-letter record's `weir-dlq-error`. */
  error?: string;
  delayMs?: number;
}

/** Longest `error` text an acknowledgement may carry. */
const MAX_ERROR_LENGTH = 4096;

/**
 * Runs `handler` on `record` and answers how to acknowledge it: accept when it resolves,
 * reject (dead-letter, with the message) on a NonRetriableError, release on any other error.
 */
export async function runHandler(
  handler: ShareHandler,
  record: ShareRecord,
  context: { readonly signal: AbortSignal },
): Promise<HandlerAnswer> {
  try {
    await handler(record, context);
    return { type: AckType.ACCEPT };
  } catch (error) {
    return error instanceof NonRetriableError
      ? { type: AckType.REJECT, error: error.message.slice(0, MAX_ERROR_LENGTH) }
      : { type: AckType.RELEASE };
  }
}
