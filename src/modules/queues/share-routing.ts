import type { Provider } from '@nestjs/common';
import { AckRouter } from '../../cluster/ack-router';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { HttpPeerClient } from '../../cluster/peer-client';
import { ReceiveRouter } from '../../cluster/receive-router';
import { ShareResetRouter } from '../../cluster/share-reset-router';
import { BROKER_CONFIG } from '../../common/core.module';
import type { BrokerConfig } from '../../config/broker-config';
import { ClusterMetrics } from '../../metrics/cluster-metrics';
import { TopicsService } from '../topics/topics.service';
import { ShareAckService } from './share-ack.service';
import { ShareDeliveryService } from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';

/** Share-group receives through any node of a cluster; on a single node, straight here. */
export const receiveRouterProvider: Provider = {
  provide: ReceiveRouter,
  inject: [
    ClusterRuntime,
    HttpPeerClient,
    ShareDeliveryService,
    ShareGroupsService,
    TopicsService,
    ClusterMetrics,
    BROKER_CONFIG,
  ],
  useFactory: (
    runtime: ClusterRuntime,
    peers: HttpPeerClient,
    delivery: ShareDeliveryService,
    groups: ShareGroupsService,
    topics: TopicsService,
    metrics: ClusterMetrics,
    config: BrokerConfig,
  ) =>
    new ReceiveRouter(
      runtime,
      peers,
      {
        receive: async (group, request, cancelled) => {
          const got = await delivery.receive(group, { ...request, cancelled });
          return { records: got.records, count: got.delivered.length };
        },
        settle: async (group, request) => {
          await groups.lookup(group);
          const names = request.topics ?? groups.find(group)?.config.topics ?? [];
          const unowned = names.some((name) => {
            const topic = topics.find(name);
            if (!topic) return false;
            for (let p = 0; p < topic.partitions; p++) {
              if (runtime.route(topic.id, p).kind === 'unowned') return true;
            }
            return false;
          });
          if (unowned) await runtime.refresh();
        },
        remoteOwners: (group, request) => {
          const names = request.topics ?? groups.get(group).config.topics;
          const ids = names.flatMap((name) => topics.find(name)?.id ?? []);
          return runtime.remoteOwnersOf(ids);
        },
        limits: { maxReceiveRecords: config.maxReceiveRecords, maxWaitMs: config.maxWaitMs },
      },
      metrics,
    ),
};

/** Acknowledgements through any node of a cluster; on a single node, straight here. */
export const ackRouterProvider: Provider = {
  provide: AckRouter,
  inject: [ClusterRuntime, HttpPeerClient, ShareAckService, ClusterMetrics],
  useFactory: (
    runtime: ClusterRuntime,
    peers: HttpPeerClient,
    acks: ShareAckService,
    metrics: ClusterMetrics,
  ) =>
    new AckRouter(
      runtime,
      peers,
      async (group, items) => await acks.acknowledge(group, items),
      metrics,
    ),
};

/** Share-group resets through any node of a cluster; on a single node, straight here. */
export const resetRouterProvider: Provider = {
  provide: ShareResetRouter,
  inject: [ClusterRuntime, HttpPeerClient, ClusterMetrics],
  useFactory: (runtime: ClusterRuntime, peers: HttpPeerClient, metrics: ClusterMetrics) =>
    new ShareResetRouter(runtime, peers, metrics),
};
