import { Global, Module } from '@nestjs/common';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { SystemClock } from '../common/clock';
import { ClusterRuntime, LEASE_CLOCK } from './cluster-runtime';
import { HttpPeerClient } from './peer-client';

/**
 * The cluster runtime for every module (routing and fencing): global, and importing nothing
 * of the broker's modules, so that the topics and queues services may use it without a cycle.
 */
@Global()
@Module({
  providers: [
    { provide: LEASE_CLOCK, useValue: new SystemClock() },
    ClusterRuntime,
    {
      provide: HttpPeerClient,
      inject: [BROKER_CONFIG],
      useFactory: (config: BrokerConfig) => new HttpPeerClient(config.nodeId),
    },
  ],
  exports: [ClusterRuntime, HttpPeerClient],
})
export class ClusterRuntimeModule {}
