import { RpcException } from '@nestjs/microservices';
import { NonRetriableError } from '@weir/client';

/**
 * Thrown by a Weir-transport handler for a message that will never succeed: the record is
 * rejected (dead-lettered at once) instead of released for a retry. Nest's exception filter
 * turns a thrown exception into its `getError()` payload, so the mark travels in the payload:
 * `{ message, retriable: false }`; `new RpcException({ retriable: false, ... })` works alike.
 */
export class NonRetriableRpcException extends RpcException {
  constructor(message: string) {
    super({ message, retriable: false });
  }
}

/**
 * Whether a handler's failure must not be retried: a NonRetriableError (handlers called
 * without Nest's filters), a NonRetriableRpcException, or any payload marked
 * `retriable: false` (what the filter makes of them).
 */
export function isNonRetriable(error: unknown): boolean {
  if (error instanceof NonRetriableError) return true;
  const payload = error instanceof RpcException ? error.getError() : error;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { retriable?: unknown }).retriable === false
  );
}

/** The text a failure is dead-lettered with (`weir-dlq-error`) or replied with. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
