import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, finalize } from 'rxjs';
import { BrokerMetrics } from './broker-metrics';

/** Observes each HTTP request's duration, labelled `Controller.method`. */
@Injectable()
export class RequestTimingInterceptor implements NestInterceptor {
  constructor(@Inject(BrokerMetrics) private readonly metrics: BrokerMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const startedAt = process.hrtime.bigint();
    const type = `${context.getClass().name}.${context.getHandler().name}`;
    return next.handle().pipe(
      finalize(() => {
        const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
        this.metrics.requestAnswered('http', type, seconds);
      }),
    );
  }
}
