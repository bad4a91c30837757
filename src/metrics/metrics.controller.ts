import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Route } from '../common/http/route-spec';
import { BrokerMetrics } from './broker-metrics';
import { MetricsAccess } from '../auth/route-access';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(BrokerMetrics) private readonly metrics: BrokerMetrics) {}

  @MetricsAccess()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Route({
    summary: 'Prometheus text exposition of every weir_* metric',
    description:
      'Prometheus text format, weir_* metrics: produce counts, log offsets, group lag, share-group states, deliveries, redeliveries, lock expirations, acknowledgements, dead letters, request latency. Needs a token when auth is on, unless WEIR_METRICS_PUBLIC=true.',
  })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
