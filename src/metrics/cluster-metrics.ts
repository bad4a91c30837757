import { Counter, Gauge } from 'prom-client';
import { BrokerMetrics } from './broker-metrics';

/** Why a node stopped serving a partition (the `reason` label), as `LeaseLossReason`. */
const LOSS_REASONS = ['fenced', 'lapsed', 'handed-over', 'closed'] as const;

/** What a node forwards to another (the `type` label). */
export const FORWARDED_TYPES = [
  'produce',
  'receive',
  'acks',
  'read',
  'reset',
  'release',
  'group',
] as const;
export type ForwardedType = (typeof FORWARDED_TYPES)[number];

/**
 * This node's part of a cluster (DESIGN §7), on the broker's private registry: the partitions
 * it owns, its lease renewals, gains and losses, and the requests it forwarded to owners.
 * Every series exists at 0 from the start, in single-node mode too.
 */
export class ClusterMetrics {
  private readonly owned: Gauge;
  private readonly renewals: Counter;
  private readonly gains: Counter;
  private readonly losses: Counter;
  private readonly forwarded: Counter;
  private readonly forwardFailures: Counter;
  private ownedSource: () => number = () => 0;

  constructor(broker: BrokerMetrics) {
    const registers = [broker.registry];
    this.owned = new Gauge({
      name: 'weir_cluster_owned_partitions',
      help: 'Partitions whose lease this node holds and serves now.',
      registers,
    });
    this.renewals = new Counter({
      name: 'weir_cluster_lease_renewals_total',
      help: 'Partition leases this node renewed.',
      registers,
    });
    this.gains = new Counter({
      name: 'weir_cluster_leases_gained_total',
      help: 'Partition leases this node took (each at a new epoch).',
      registers,
    });
    this.losses = new Counter({
      name: 'weir_cluster_leases_lost_total',
      help: 'Partition leases this node stopped serving, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.forwarded = new Counter({
      name: 'weir_cluster_forwarded_requests_total',
      help: 'Requests (or parts of them) this node forwarded to the owner of a partition.',
      labelNames: ['type'],
      registers,
    });
    this.forwardFailures = new Counter({
      name: 'weir_cluster_forward_failures_total',
      help: 'Forwarded requests that found no owner or got no answer from it.',
      labelNames: ['type'],
      registers,
    });
    for (const reason of LOSS_REASONS) this.losses.inc({ reason }, 0);
    for (const type of FORWARDED_TYPES) {
      this.forwarded.inc({ type }, 0);
      this.forwardFailures.inc({ type }, 0);
    }
    broker.addCollector(() => this.owned.set(this.ownedSource()));
  }

  /** Reports the owned partition count at every scrape. */
  ownedFrom(count: () => number): void {
    this.ownedSource = count;
  }

  leasesRenewed(count: number): void {
    this.renewals.inc(count);
  }

  leaseGained(): void {
    this.gains.inc();
  }

  leaseLost(reason: string): void {
    this.losses.inc({ reason });
  }

  forwardedRequest(type: ForwardedType): void {
    this.forwarded.inc({ type });
  }

  forwardFailed(type: ForwardedType): void {
    this.forwardFailures.inc({ type });
  }
}
