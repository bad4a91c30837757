import { GroupMember, MemberKind, MemberSettings } from './group-member';
import {
  AssignedPartition,
  comparePartitions,
  GroupPartition,
  groupPartitionKey,
  toAssignment,
} from './group-partition';
import { assignPartitions } from './sticky-assignor';

/** What one operation on a group changed. */
export interface GroupChange {
  /** The generation after the operation. */
  generation: number;
  /** True when the generation moved: the membership or an owner changed. */
  changed: boolean;
  /** Members still in the group whose owned partitions changed, by id. */
  reassigned: string[];
  /** Members the operation removed. */
  removed: string[];
}

interface PendingChange {
  membership: boolean;
  reassigned: Set<string>;
  removed: string[];
  /** Partition keys that got a new owner. */
  given: Set<string>;
}

/**
 * A streaming consumer group: members, generations and who owns which partition.
 *
 * Invariants:
 * - Each partition has at most one owner, so two members never read it at once.
 * - The generation moves with every membership change and every change of owner, so one
 *   generation names one fixed assignment.
 * - A membership change computes a new target with the sticky assignor. A partition whose
 *   target is another member moves only once its owner said it stopped reading it (a polling
 *   member's next poll, or a heartbeat whose `owned` list no longer names it; at once for a
 *   pushed member), or left, or its session expired. A heartbeat without `owned` only keeps the
 *   member alive. Until then the partition stays with its owner, which may still commit it.
 * - Each owned partition remembers the generation in which its owner got it, so that commits
 *   are fenced per member (KIP-848's member epoch): a rebalance that takes nothing from a member
 *   leaves its commits valid.
 *
 * Time is an argument (`nowMs`); the group has no timers and does no I/O.
 */
export class ConsumerGroup {
  private currentGeneration = 0;
  private rebalanceCount = 0;
  private readonly members = new Map<string, GroupMember>();
  private partitions: GroupPartition[] = [];
  private partitionByKey = new Map<string, GroupPartition>();
  private target = new Map<string, string>();
  private readonly owners = new Map<string, string>();
  /** The generation in which each partition's current owner got it. */
  private readonly ownedSince = new Map<string, number>();

  constructor(readonly name: string) {}

  get generation(): number {
    return this.currentGeneration;
  }

  /** Number of rebalances (new target assignments) since the group was loaded. */
  get rebalances(): number {
    return this.rebalanceCount;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  member(memberId: string): GroupMember | undefined {
    return this.members.get(memberId);
  }

  memberIds(): string[] {
    return [...this.members.keys()].sort();
  }

  /** Every topic some member subscribes to, sorted. */
  subscribedTopics(): string[] {
    const topics = new Set<string>();
    for (const m of this.members.values()) for (const t of m.settings.topics) topics.add(t);
    return [...topics].sort();
  }

  /** The partitions of the subscribed topics, as last given to the group, sorted. */
  knownPartitions(): readonly GroupPartition[] {
    return this.partitions;
  }

  ownerOf(key: string): string | undefined {
    return this.owners.get(key);
  }

  /** The generation in which the current owner of `key` got it; undefined without an owner. */
  ownedSinceGeneration(key: string): number | undefined {
    return this.ownedSince.get(key);
  }

  /** The partitions `memberId` owns now, sorted. */
  owned(memberId: string): GroupPartition[] {
    return this.partitions.filter((p) => this.owners.get(groupPartitionKey(p)) === memberId);
  }

  assignmentOf(memberId: string): AssignedPartition[] {
    return toAssignment(this.owned(memberId));
  }

  /** Owned partitions that have no position yet, with their owner. */
  unpositioned(): Array<{ member: GroupMember; partition: GroupPartition }> {
    const found: Array<{ member: GroupMember; partition: GroupPartition }> = [];
    for (const partition of this.partitions) {
      const owner = this.owners.get(groupPartitionKey(partition));
      const member = owner === undefined ? undefined : this.members.get(owner);
      if (member && member.position(groupPartitionKey(partition)) === undefined) {
        found.push({ member, partition });
      }
    }
    return found;
  }

  /**
   * Adds a member, or updates one that joins again with the same id (which also acknowledges
   * its revocations). `partitions` are those of every subscribed topic, the new member's included.
   */
  join(
    memberId: string,
    settings: MemberSettings,
    nowMs: number,
    partitions: readonly GroupPartition[],
  ): GroupChange {
    return this.change((pending) => {
      const existing = this.members.get(memberId);
      const repartitioned = this.replacePartitions(partitions);
      if (!existing) {
        this.members.set(memberId, new GroupMember(memberId, settings, nowMs));
        this.rebalance(pending);
        return;
      }
      const resubscribed = !sameTopics(existing.settings.topics, settings.topics);
      existing.settings = settings;
      existing.touch(nowMs);
      if (resubscribed || repartitioned) this.rebalance(pending);
      this.acknowledge(existing, pending);
    });
  }

  /** Removes a member; its partitions go to their new owners at once. */
  leave(memberId: string): GroupChange {
    return this.change((pending) => {
      if (!this.members.has(memberId)) return;
      this.remove(memberId, pending);
      this.rebalance(pending);
    });
  }

  /**
   * The member is alive. With `owned` (the keys of the partitions it still reads), it gives up
   * every partition it was asked to revoke that the list does not name; without `owned` it only
   * keeps its session (a client heartbeats while it processes a batch).
   */
  heartbeat(memberId: string, nowMs: number, owned?: Iterable<string>): GroupChange {
    return this.change((pending) => {
      const member = this.members.get(memberId);
      if (!member) return;
      member.touch(nowMs);
      if (owned !== undefined) this.acknowledge(member, pending, new Set(owned));
    });
  }

  /** The member polled again: it finished its batch and gives up every revoked partition. */
  polled(memberId: string, nowMs: number): GroupChange {
    return this.heartbeat(memberId, nowMs, []);
  }

  /** Removes every member whose session expired at `nowMs`. */
  expireSessions(nowMs: number): GroupChange {
    return this.change((pending) => {
      for (const member of [...this.members.values()]) {
        const deadline = member.sessionDeadlineMs();
        if (deadline !== undefined && deadline <= nowMs) this.remove(member.memberId, pending);
      }
      if (pending.membership) this.rebalance(pending);
    });
  }

  /** The earliest session deadline of any member, or undefined when none can expire. */
  nextSessionDeadlineMs(): number | undefined {
    let earliest: number | undefined;
    for (const member of this.members.values()) {
      const deadline = member.sessionDeadlineMs();
      if (deadline !== undefined && (earliest === undefined || deadline < earliest)) {
        earliest = deadline;
      }
    }
    return earliest;
  }

  /** Takes the current partitions of the subscribed topics; rebalances if they changed. */
  refresh(partitions: readonly GroupPartition[]): GroupChange {
    return this.change((pending) => {
      if (this.replacePartitions(partitions)) this.rebalance(pending);
    });
  }

  /** Forgets the owners' positions in `keys`, so that they start again from the committed offset. */
  resetPositions(keys: readonly string[]): void {
    for (const key of keys) {
      const owner = this.owners.get(key);
      if (owner !== undefined) this.members.get(owner)?.forget(key);
    }
  }

  private change(work: (pending: PendingChange) => void): GroupChange {
    const pending: PendingChange = {
      membership: false,
      reassigned: new Set(),
      removed: [],
      given: new Set(),
    };
    work(pending);
    const changed = pending.membership || pending.reassigned.size > 0;
    if (changed) this.currentGeneration++;
    for (const key of pending.given) {
      if (this.owners.has(key)) this.ownedSince.set(key, this.currentGeneration);
    }
    return {
      generation: this.currentGeneration,
      changed,
      reassigned: [...pending.reassigned].filter((id) => this.members.has(id)).sort(),
      removed: pending.removed,
    };
  }

  private replacePartitions(partitions: readonly GroupPartition[]): boolean {
    const same =
      partitions.length === this.partitionByKey.size &&
      partitions.every((p) => this.partitionByKey.has(groupPartitionKey(p)));
    if (same) return false;
    this.partitions = [...partitions].sort(comparePartitions);
    this.partitionByKey = new Map(this.partitions.map((p) => [groupPartitionKey(p), p]));
    return true;
  }

  private remove(memberId: string, pending: PendingChange): void {
    for (const [key, owner] of [...this.owners]) {
      if (owner === memberId) this.setOwner(key, undefined, pending);
    }
    this.members.delete(memberId);
    pending.removed.push(memberId);
    pending.membership = true;
  }

  /** Computes a new target and hands over every partition that may move now. */
  private rebalance(pending: PendingChange): void {
    pending.membership = true;
    this.rebalanceCount++;
    const topics = new Set(this.subscribedTopics());
    if (this.partitions.some((p) => !topics.has(p.topic))) {
      this.replacePartitions(this.partitions.filter((p) => topics.has(p.topic)));
    }
    for (const key of [...this.owners.keys()]) {
      if (!this.partitionByKey.has(key)) this.setOwner(key, undefined, pending);
    }
    const subscriptions = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      topics: m.settings.topics,
    }));
    this.target = assignPartitions(this.partitions, subscriptions, this.target);
    for (const p of this.partitions) {
      const key = groupPartitionKey(p);
      const owner = this.owners.get(key);
      const wanted = this.target.get(key);
      if (owner === wanted) continue;
      const current = owner === undefined ? undefined : this.members.get(owner);
      if (!current || current.settings.kind === MemberKind.PUSHED) {
        this.setOwner(key, wanted, pending);
      }
    }
  }

  /**
   * Hands over every partition `member` owns whose target is another member, except those it
   * says it still reads.
   */
  private acknowledge(
    member: GroupMember,
    pending: PendingChange,
    stillRead: ReadonlySet<string> = new Set(),
  ): void {
    for (const [key, owner] of [...this.owners]) {
      if (owner !== member.memberId || stillRead.has(key)) continue;
      const wanted = this.target.get(key);
      if (wanted !== owner) this.setOwner(key, wanted, pending);
    }
  }

  private setOwner(key: string, memberId: string | undefined, pending: PendingChange): void {
    const previous = this.owners.get(key);
    if (previous === memberId) return;
    if (previous !== undefined) {
      this.members.get(previous)?.forget(key);
      pending.reassigned.add(previous);
    }
    if (memberId === undefined) {
      this.owners.delete(key);
      this.ownedSince.delete(key);
      return;
    }
    this.owners.set(key, memberId);
    pending.given.add(key);
    this.members.get(memberId)?.forget(key);
    pending.reassigned.add(memberId);
  }
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t) => b.includes(t));
}
