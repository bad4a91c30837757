import { LeaseStore, NodeRecord, NodeRegistry, PartitionKey, partitionKeyOf } from './lease-store';

/** A partition's lease holder as the directory last read it. */
export interface PartitionOwner extends PartitionKey {
  nodeId: string;
  /** How to reach the owner (`WEIR_ADVERTISED_URL`), or null when it is not registered. */
  url: string | null;
  epoch: number;
  /** The lease had expired by database time when it was read (no one serves it now). */
  expired: boolean;
}

/** Every node and every leased partition, as read at one moment. */
export interface DirectorySnapshot {
  nodes: NodeRecord[];
  owners: PartitionOwner[];
}

/**
 * Who owns which partition, for routing and `GET /cluster`: the lease table joined with the
 * node registry, read again at each keeper tick and whenever a request found the owner it knew
 * to be wrong (`refresh`). Concurrent refreshes share one read. It may be stale by up to a tick;
 * the write fence, not the directory, decides who may write.
 */
export class OwnershipDirectory {
  private owners = new Map<string, PartitionOwner>();
  private nodes: NodeRecord[] = [];
  private reading: Promise<void> | null = null;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly leases: LeaseStore,
    private readonly leaseMs: number,
  ) {}

  /** Reads the lease table and the registry again (one read at a time, shared by callers). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  /** The partition's lease holder as last read, if it is leased and not expired. */
  ownerOf(topicId: number, partition: number): PartitionOwner | undefined {
    const owner = this.owners.get(partitionKeyOf({ topicId, partition }));
    return owner && !owner.expired ? owner : undefined;
  }

  snapshot(): DirectorySnapshot {
    return { nodes: [...this.nodes], owners: [...this.owners.values()] };
  }

  private async read(): Promise<void> {
    const [table, nodes] = await Promise.all([
      this.leases.table(),
      this.registry.list(this.leaseMs),
    ]);
    const urls = new Map(nodes.map((node) => [node.nodeId, node.url]));
    const owners = new Map<string, PartitionOwner>();
    for (const row of table) {
      if (row.lease === null) continue;
      owners.set(partitionKeyOf(row), {
        topicId: row.topicId,
        partition: row.partition,
        nodeId: row.lease.owner,
        url: urls.get(row.lease.owner) ?? null,
        epoch: row.lease.epoch,
        expired: row.lease.expired,
      });
    }
    this.owners = owners;
    this.nodes = nodes;
  }
}
