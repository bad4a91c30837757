import type { Provider } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { HttpPeerClient } from '../../cluster/peer-client';
import { ShareResetRouter } from '../../cluster/share-reset-router';
import { ClusterMetrics } from '../../metrics/cluster-metrics';

/** Share-group resets through any node of a cluster; on a single node, straight here. */
export const resetRouterProvider: Provider = {
  provide: ShareResetRouter,
  inject: [ClusterRuntime, HttpPeerClient, ClusterMetrics],
  useFactory: (runtime: ClusterRuntime, peers: HttpPeerClient, metrics: ClusterMetrics) =>
    new ShareResetRouter(runtime, peers, metrics),
};
