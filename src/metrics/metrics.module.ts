import { Global, Module } from '@nestjs/common';
import { BrokerMetrics } from './broker-metrics';
import { ClusterMetrics } from './cluster-metrics';
import { MetricsController } from './metrics.controller';
import { DeadLetterMetrics } from './dead-letter-metrics';
import { ShareGroupMetrics } from './share-group-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    { provide: BrokerMetrics, useFactory: () => new BrokerMetrics() },
    {
      provide: DeadLetterMetrics,
      inject: [BrokerMetrics],
      useFactory: (broker: BrokerMetrics) => new DeadLetterMetrics(broker),
    },
    {
      provide: ShareGroupMetrics,
      inject: [BrokerMetrics],
      useFactory: (broker: BrokerMetrics) => new ShareGroupMetrics(broker),
    },
    {
      provide: ClusterMetrics,
      inject: [BrokerMetrics],
      useFactory: (broker: BrokerMetrics) => new ClusterMetrics(broker),
    },
  ],
  exports: [BrokerMetrics, ShareGroupMetrics, DeadLetterMetrics, ClusterMetrics],
})
export class MetricsModule {}
