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
  @Route({ summary: 'Prometheus text exposition of every weir_* metric' })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
