import { coordinatorOf } from './group-lease-plan';
import { GroupLeaseKeeper } from './group-lease-keeper';

/** Where a streaming group's calls go. */
export type GroupRoute =
  | { kind: 'local' }
  | { kind: 'remote'; nodeId: string; url: string }
  /** No live coordinator is known (a takeover in progress): retriable. */
  | { kind: 'unowned'; nodeId: string | null; url: string | null };

const LOCAL: GroupRoute = { kind: 'local' };

/** What the coordinators need of the cluster runtime. */
export interface GroupCoordinatorsContext {
  nodeId: string;
  /** How to reach a live node, as the directory last read it; null when unknown or dead. */
  urlOf(nodeId: string): string | null;
  /** The live nodes by database time, read now. */
  liveNodeIds(): Promise<string[]>;
}

/**
 * Who coordinates which streaming group (DESIGN §7 "State"), for routing: this node's own
 * leases (the only authority for itself) and the group lease table as last read for the
 * others. A group without a live coordinator is settled by the node asked: the rightful node
 * among the live ones (rendezvous hashing of the group name) takes it, or this node when it is
 * that node, when it was asked by a peer, or as a last resort.
 */
export class GroupCoordinators {
  private ticking: Promise<void> | null = null;

  constructor(
    readonly keeper: GroupLeaseKeeper,
    private readonly context: GroupCoordinatorsContext,
  ) {}

  get nodeId(): string {
    return this.context.nodeId;
  }

  /**
   * One tick of the group lease keeper with the live nodes read now (run after each tick of
   * the partition keeper); never two at once.
   */
  tick(onError: (error: unknown) => void): void {
    if (this.ticking) return;
    this.ticking = this.context
      .liveNodeIds()
      .then((live) => this.keeper.tick(live))
      .catch(onError)
      .finally(() => (this.ticking = null));
  }

  /** Where the group's calls go now, without asking the database. */
  route(group: string): GroupRoute {
    if (this.keeper.holds(group)) return LOCAL;
    const row = this.keeper.row(group);
    if (!row || row.expired || row.owner === this.context.nodeId) {
      return { kind: 'unowned', nodeId: row?.owner ?? null, url: null };
    }
    const url = this.context.urlOf(row.owner);
    if (url === null) return { kind: 'unowned', nodeId: row.owner, url: null };
    return { kind: 'remote', nodeId: row.owner, url };
  }

  /**
   * Reads the lease table again and, when the group has no live coordinator, settles it: takes
   * it here (`claimHere`, or this node is the rightful one, or the rightful one cannot be
   * reached by URL), else answers the rightful node, which takes it when the call arrives.
   */
  async settle(group: string, claimHere: boolean): Promise<GroupRoute> {
    await this.keeper.readTable();
    const known = this.route(group);
    if (known.kind !== 'unowned') return known;
    const rightful = coordinatorOf(group, await this.context.liveNodeIds());
    const url = rightful === null ? null : this.context.urlOf(rightful);
    if (claimHere || rightful === null || rightful === this.context.nodeId || url === null) {
      await this.keeper.claim(group);
      return this.route(group);
    }
    return { kind: 'remote', nodeId: rightful, url };
  }
}
