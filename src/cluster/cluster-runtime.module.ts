import { Global, Module } from '@nestjs/common';
import { ClusterRuntime } from './cluster-runtime';

/**
 * The cluster runtime for every module (routing and fencing): global, and importing nothing
 * of the broker's modules, so that the topics and queues services may use it without a cycle.
 */
@Global()
@Module({
  providers: [ClusterRuntime],
  exports: [ClusterRuntime],
})
export class ClusterRuntimeModule {}
