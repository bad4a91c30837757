import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { Clock } from '../common/clock';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { ConfigError } from '../config/broker-config';
import { ClusterMetrics } from '../metrics/cluster-metrics';
import { Storage } from '../persistence/port/storage';
import { GroupCoordinators } from './group-coordinators';
import { GroupLeaseChange, GroupLeaseKeeper, OwnedGroupLease } from './group-lease-keeper';
import { NotGroupCoordinatorError } from './group-lease-store';
import { LeaseChange, LeaseKeeper, OwnedLease } from './lease-keeper';
import { ClusterCoordination, NotPartitionOwnerError } from './lease-store';
import { identityOnPort, NodeIdentity } from './node-identity';
import { DirectorySnapshot, OwnershipDirectory } from './ownership-directory';

/** Where a request for one partition goes. */
export type PartitionRoute =
  | { kind: 'local' }
  | { kind: 'remote'; nodeId: string; url: string; epoch: number }
  /** No live owner is known (a takeover in progress): retriable. */
  | { kind: 'unowned'; nodeId: string | null; url: string | null };

const LOCAL: PartitionRoute = { kind: 'local' };

/**
 * DI token of the clock leases are kept on: the real one, always. Expiry is decided by the
 * database's clock, so a node measures its local lease expiry in real time even when the
 * broker's own clock is a test's fake one.
 */
export const LEASE_CLOCK = Symbol('LEASE_CLOCK');

/**
 * This node's place in a cluster of Weir nodes over PostgreSQL (DESIGN §7). On an engine that
 * one node owns alone (SQLite) it is inert: every partition is local and writes are not
 * fenced. Otherwise, at bootstrap, it opens the registry and lease table on their own
 * connections, starts the `LeaseKeeper`, fences every partition write of the storage with the
 * epoch the keeper holds, and keeps an `OwnershipDirectory` for routing, read again at each
 * keeper tick. At shutdown it releases its leases and leaves the registry, so that the other
 * nodes take over at once.
 */
@Injectable()
export class ClusterRuntime
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Cluster');
  private coordination: ClusterCoordination | null = null;
  private keeper: LeaseKeeper | null = null;
  private directory: OwnershipDirectory | null = null;
  private readonly listeners = new Set<(change: LeaseChange) => void>();
  private readonly drains = new Set<(lease: OwnedLease) => Promise<void>>();
  private readonly tickListeners = new Set<() => void>();
  private readonly gainWork = new Set<(lease: OwnedLease) => Promise<void>>();
  private readonly gainsInFlight = new Set<Promise<void>>();
  private identity: NodeIdentity;
  /** The keeper's start, when it waits for the server to listen (a port picked at start). */
  private joining: Promise<void> | null = null;
  /** True once the server listened (a join waiting for it may have started). */
  private listened = false;
  private stopping = false;
  /** Streaming-group coordination (DESIGN §7 "State"); null on a single node. */
  private coordinators: GroupCoordinators | null = null;
  private readonly groupPrepares = new Set<(lease: OwnedGroupLease) => Promise<void>>();
  private readonly groupListeners = new Set<(change: GroupLeaseChange) => void>();

  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(LEASE_CLOCK) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(ClusterMetrics) private readonly metrics: ClusterMetrics,
    @Optional() @Inject(HttpAdapterHost) private readonly http?: HttpAdapterHost,
  ) {
    this.identity = { nodeId: config.nodeId, advertisedUrl: config.advertisedUrl };
  }

  /** True when several nodes share the storage (PostgreSQL). */
  get clustered(): boolean {
    return this.coordination !== null;
  }

  /** This node's id (`WEIR_NODE_ID`; by default `<hostname>-<port>`, the real port). */
  get nodeId(): string {
    return this.identity.nodeId;
  }

  /** How peers reach this node (`WEIR_ADVERTISED_URL`; by default on the real port). */
  get advertisedUrl(): string {
    return this.identity.advertisedUrl;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = this.http?.httpAdapter?.getHttpServer() as
      | {
          once(event: 'listening', listener: () => void): void;
          address(): AddressInfo | string | null;
        }
      | undefined;
    const opening = this.storage.openCoordination();
    const listening = new Promise<void>((resolve) => {
      if (!server || this.config.httpPort !== 0) return resolve();
      server.once('listening', () => {
        this.listened = true;
        const address = server.address();
        if (address && typeof address === 'object') {
          this.identity = identityOnPort(this.identity, this.config.httpPort, address.port);
        }
        resolve();
      });
    });
    if (opening === null) return;
    const coordination = await opening;
    const { leaseMs } = this.config;
    if (leaseMs <= coordination.maxLockHoldMs) {
      await coordination.close();
      throw new ConfigError([
        `WEIR_LEASE_MS: must exceed the storage's lock and idle-in-transaction timeouts (${coordination.maxLockHoldMs} ms), got ${leaseMs}`,
      ]);
    }
    this.coordination = coordination;
    // Until the keeper runs, this node serves nothing and writes nothing.
    this.storage.setWriteFence((topicId, partition) => {
      if (!this.keeper) throw new NotPartitionOwnerError(topicId, partition);
      return { nodeId: this.identity.nodeId, epoch: this.keeper.fence(topicId, partition) };
    });
    if (coordination.groups) {
      this.storage.setGroupFence((group) => {
        if (!this.coordinators) throw new NotGroupCoordinatorError(group);
        return { nodeId: this.identity.nodeId, epoch: this.coordinators.keeper.fence(group) };
      });
    }
    if (this.config.httpPort === 0 && server) {
      // The node registers under its real port, known once the server listens.
      this.joining = listening
        .then(() => this.join(coordination))
        .catch((error: unknown) =>
          this.logger.error(`joining the cluster failed: ${String(error)}`),
        );
      return;
    }
    await this.join(coordination);
  }

  private async join(coordination: ClusterCoordination): Promise<void> {
    // Closed before the server listened: never join (nothing would release the leases).
    if (this.stopping) return;
    const { leaseMs } = this.config;
    const { nodeId, advertisedUrl } = this.identity;
    const directory = new OwnershipDirectory(coordination.registry, coordination.leases, leaseMs);
    const keeper = new LeaseKeeper(coordination.registry, coordination.leases, this.clock, {
      nodeId,
      url: advertisedUrl,
      leaseMs,
      drain: (lease) => this.drain(lease),
      onTick: ({ renewed }) => {
        this.metrics.leasesRenewed(renewed);
        this.refreshQuietly();
        this.coordinators?.tick((error) =>
          this.logger.warn(`group lease keeper: ${String(error)}`),
        );
        for (const listener of this.tickListeners) listener();
      },
      onError: (error) => this.logger.warn(`lease keeper: ${String(error)}`),
    });
    keeper.onChange((change) => this.changed(change));
    this.directory = directory;
    this.keeper = keeper;
    if (coordination.groups) this.startGroups(coordination.groups);
    this.metrics.ownedFrom(() => keeper.leases().length);
    await keeper.start();
    await this.gainsSettled();
    await directory.refresh();
    this.logger.log(`node ${nodeId} at ${advertisedUrl} joined (lease ${leaseMs} ms)`);
  }

  /** Releases the leases and leaves the registry before the server closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // A join under way finishes first, so that its leases are released too.
    if (this.joining && this.listened) await this.joining;
    await this.keeper?.close({ release: true });
    await this.coordinators?.keeper.close({ release: true });
  }

  async onApplicationShutdown(): Promise<void> {
    this.storage.setWriteFence(null);
    if (this.coordination?.groups) this.storage.setGroupFence(null);
    await this.coordination?.close();
    this.coordination = null;
  }

  /**
   * Where a request for the partition goes: here when this node serves it now (by its own
   * leases, the only authority for itself), else to the owner the directory last read.
   */
  route(topicId: number, partition: number): PartitionRoute {
    if (!this.coordination) return LOCAL;
    if (!this.keeper || !this.directory) return { kind: 'unowned', nodeId: null, url: null };
    try {
      this.keeper.fence(topicId, partition);
      return LOCAL;
    } catch (error) {
      if (!(error instanceof NotPartitionOwnerError)) throw error;
    }
    const owner = this.directory.ownerOf(topicId, partition);
    if (!owner || owner.url === null || owner.nodeId === this.identity.nodeId) {
      return { kind: 'unowned', nodeId: owner?.nodeId ?? null, url: owner?.url ?? null };
    }
    return { kind: 'remote', nodeId: owner.nodeId, url: owner.url, epoch: owner.epoch };
  }

  /** True when this node serves the partition now (always on a single node). */
  serves(topicId: number, partition: number): boolean {
    return this.route(topicId, partition).kind === 'local';
  }

  /** The other live nodes that own a partition of one of `topicIds`, as last read. */
  remoteOwnersOf(topicIds: readonly number[]): Array<{ nodeId: string; url: string }> {
    const wanted = new Set(topicIds);
    const owners = new Map<string, string>();
    for (const owner of this.directory?.snapshot().owners ?? []) {
      if (!wanted.has(owner.topicId) || owner.expired || owner.url === null) continue;
      if (owner.nodeId === this.identity.nodeId) continue;
      owners.set(owner.nodeId, owner.url);
    }
    return [...owners].map(([nodeId, url]) => ({ nodeId, url }));
  }

  /**
   * Resolves once a node started on port 0 has joined (it joins after its server listens, with
   * the real port) and the state of what it gained is loaded; at once otherwise.
   */
  async joined(): Promise<void> {
    if (this.joining) await this.joining;
  }

  /**
   * Settles who owns what again (a request found no owner, or the owner it knew was wrong):
   * runs a keeper tick now (this node takes partitions of its share that just appeared), waits
   * for what gains start (state loaded), then reads the directory again.
   */
  async refresh(): Promise<void> {
    if (this.joining) await this.joining;
    if (!this.keeper || !this.directory) return;
    await this.keeper.tickNow();
    await this.gainsSettled();
    await this.directory.refresh();
  }

  /**
   * Adds work a gained partition needs before it is served (its state loaded); the runtime
   * waits for it before it answers requests it settles (`refresh`) and at start.
   */
  onGain(work: (lease: OwnedLease) => Promise<void>): void {
    this.gainWork.add(work);
  }

  private async gainsSettled(): Promise<void> {
    await Promise.all([...this.gainsInFlight]);
  }

  /** Nodes and owners as last read; null in single-node mode. */
  snapshot(): DirectorySnapshot | null {
    return this.directory?.snapshot() ?? null;
  }

  /** The leases this node serves now (empty in single-node mode). */
  ownedLeases(): OwnedLease[] {
    return this.keeper?.leases() ?? [];
  }

  /** Listens to this node's lease gains and losses; answers a function that stops listening. */
  onChange(listener: (change: LeaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Listens to the keeper's ticks (about three per lease period, each after the database
   * answered): the moment to adopt what other nodes changed in the shared catalogue.
   */
  onTick(listener: () => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /** Adds work to finish before a partition is handed over (writes in flight on it). */
  onDrain(drain: (lease: OwnedLease) => Promise<void>): () => void {
    this.drains.add(drain);
    return () => this.drains.delete(drain);
  }

  private async drain(lease: OwnedLease): Promise<void> {
    await Promise.all([...this.drains].map((drain) => drain(lease)));
  }

  private changed(change: LeaseChange): void {
    if (change.kind === 'gained') this.metrics.leaseGained();
    else this.metrics.leaseLost(change.reason);
    const { topicId, partition, epoch } = change.lease;
    const reason = change.kind === 'lost' ? ` (${change.reason})` : '';
    this.logger.debug(
      `${change.kind} partition ${topicId}/${partition} at epoch ${epoch}${reason}`,
    );
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error(`lease listener failed: ${String(error)}`);
      }
    }
    if (change.kind === 'gained') {
      for (const work of this.gainWork) {
        const done = work(change.lease).catch((error: unknown) =>
          this.logger.error(
            `gain of ${change.lease.topicId}/${change.lease.partition}: ${String(error)}`,
          ),
        );
        this.gainsInFlight.add(done);
        void done.finally(() => this.gainsInFlight.delete(done));
      }
    }
    if (change.kind === 'lost') this.refreshQuietly();
  }

  /** Streaming-group coordinators; null on a single node (every group is served here). */
  get groups(): GroupCoordinators | null {
    return this.coordinators;
  }

  /**
   * Adds work a group this node starts to coordinate needs before it is served (its committed
   * offsets loaded); the lease counts as held once it resolved.
   */
  onGroupPrepare(work: (lease: OwnedGroupLease) => Promise<void>): void {
    this.groupPrepares.add(work);
  }

  /** Listens to this node's group coordinator gains and losses. */
  onGroupChange(listener: (change: GroupLeaseChange) => void): () => void {
    this.groupListeners.add(listener);
    return () => this.groupListeners.delete(listener);
  }

  private startGroups(store: NonNullable<ClusterCoordination['groups']>): void {
    const { nodeId } = this.identity;
    const groupKeeper = new GroupLeaseKeeper(store, this.clock, {
      nodeId,
      leaseMs: this.config.leaseMs,
      prepare: async (lease) => {
        await Promise.all([...this.groupPrepares].map((work) => work(lease)));
      },
    });
    groupKeeper.onChange((change) => {
      this.logger.debug(
        `${change.kind} group ${change.lease.group} at epoch ${change.lease.epoch}`,
      );
      for (const listener of this.groupListeners) listener(change);
    });
    this.coordinators = new GroupCoordinators(groupKeeper, {
      nodeId,
      urlOf: (id) =>
        this.directory?.snapshot().nodes.find((node) => node.nodeId === id && node.alive)?.url ??
        null,
      liveNodeIds: () =>
        this.coordination?.registry.liveNodeIds(this.config.leaseMs) ?? Promise.resolve([]),
    });
  }

  private refreshQuietly(): void {
    this.directory
      ?.refresh()
      .catch((error: unknown) => this.logger.warn(`directory refresh: ${String(error)}`));
  }
}
