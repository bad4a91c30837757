import type { Provider } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { HttpPeerClient } from '../../cluster/peer-client';
import { ProduceRouter } from '../../cluster/produce-router';
import { ReadRouter } from '../../cluster/read-router';
import { ClusterMetrics } from '../../metrics/cluster-metrics';
import { RecordLogService } from './record-log.service';

/** Produce through any node of a cluster; on a single node, straight to `RecordLogService`. */
export const produceRouterProvider: Provider = {
  provide: ProduceRouter,
  inject: [ClusterRuntime, HttpPeerClient, RecordLogService, ClusterMetrics],
  useFactory: (
    runtime: ClusterRuntime,
    peers: HttpPeerClient,
    recordLog: RecordLogService,
    metrics: ClusterMetrics,
  ) =>
    new ProduceRouter(
      runtime,
      peers,
      {
        assignPartitions: (topic, inputs) => recordLog.assignPartitions(topic, inputs),
        produce: (topic, inputs) => recordLog.produce(topic, inputs),
      },
      metrics,
    ),
};

/** Plain reads through any node of a cluster: served by the partition's owner. */
export const readRouterProvider: Provider = {
  provide: ReadRouter,
  inject: [ClusterRuntime, HttpPeerClient, RecordLogService, ClusterMetrics],
  useFactory: (
    runtime: ClusterRuntime,
    peers: HttpPeerClient,
    recordLog: RecordLogService,
    metrics: ClusterMetrics,
  ) =>
    new ReadRouter(
      runtime,
      peers,
      (read) =>
        recordLog.readServed(read.topic, read.partition, read.offset, read.maxRecords, read.waitMs),
      metrics,
    ),
};
