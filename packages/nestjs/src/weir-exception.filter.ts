import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { NonRetriableError } from '@weir/client';
import { Observable, throwError } from 'rxjs';

/** What a failed handler's error becomes on its way to the transport. */
export interface TransportError {
  status: 'error';
  message: string;
  /** `false`: the record is rejected (dead-lettered) instead of released for a retry. */
  retriable?: boolean;
}

/**
 * Maps what a Weir-transport handler throws to what `ServerWeir` acts on. Nest's default filter
 * turns every error that is not an `RpcException` into `{ status: 'error', message: 'Internal
 * server error' }`, which erases a `NonRetriableError` of `@weir/client`: with this filter
 * registered (`app.useGlobalFilters(new WeirExceptionFilter())`), it becomes `{ message,
 * retriable: false }` and the record is dead-lettered at once. An `RpcException` keeps its
 * payload, as with Nest's filter; any other error is logged and answered without its message
 * (which may hold internals), and released for a retry.
 */
@Catch()
export class WeirExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('WeirExceptionFilter');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toTransportError(exception));
  }

  private toTransportError(exception: unknown): unknown {
    if (exception instanceof RpcException) {
      const payload = exception.getError();
      return typeof payload === 'object' && payload !== null
        ? payload
        : { status: 'error', message: String(payload) };
    }
    if (exception instanceof NonRetriableError) {
      return {
        status: 'error',
        message: exception.message,
        retriable: false,
      } satisfies TransportError;
    }
    this.logger.error(exception);
    return { status: 'error', message: 'Internal server error' } satisfies TransportError;
  }
}
