import { Global, Module } from '@nestjs/common';
import { BrokerMetrics } from './broker-metrics';
import { MetricsController } from './metrics.controller';
import { RequestTimingInterceptor } from './request-timing.interceptor';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    { provide: BrokerMetrics, useFactory: () => new BrokerMetrics() },
    RequestTimingInterceptor,
  ],
  exports: [BrokerMetrics, RequestTimingInterceptor],
})
export class MetricsModule {}
