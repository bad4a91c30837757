import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BrokerError, ErrorBody, ErrorCode } from '../errors';
import { statusOf } from './error-status';

/** Codes for the HTTP errors that the framework raises before a handler runs. */
const FRAMEWORK_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.INVALID_REQUEST,
  [HttpStatus.NOT_FOUND]: ErrorCode.ROUTE_NOT_FOUND,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.REQUEST_TOO_LARGE,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

const MAX_FRAMEWORK_MESSAGE = 300;

/** Maps any thrown value to the broker's error body; unexpected errors are logged, never sent. */
export function toErrorBody(error: unknown, logger: Logger): ErrorBody {
  if (error instanceof BrokerError) return error.toBody();
  if (error instanceof HttpException) {
    // The framework's messages may quote the URL; the answer stays small.
    const message = error.message.slice(0, MAX_FRAMEWORK_MESSAGE);
    const code = FRAMEWORK_CODES[error.getStatus()];
    if (code) return { code, message };
    if (error.getStatus() < 500) return { code: ErrorCode.INVALID_REQUEST, message };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' };
}

/** The one HTTP exception filter: `{ "error": { code, message, details? } }` with the code's status. */
@Catch()
export class BrokerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('BrokerExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = toErrorBody(exception, this.logger);
    void reply.status(statusOf(exception, body.code)).send({ error: body });
  }
}
