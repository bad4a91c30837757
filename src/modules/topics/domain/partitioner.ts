import { murmur2, toPositive } from './murmur2';

/**
 * Chooses a record's partition as DESIGN §1 says: an explicit partition wins; else the key's
 * murmur2 hash, as Kafka's default partitioner; else the request's sticky partition.
 */
export function choosePartition(
  partitions: number,
  stickyPartition: number,
  key: Uint8Array | null,
  explicitPartition?: number,
): number {
  if (explicitPartition !== undefined) return explicitPartition;
  if (key !== null) return toPositive(murmur2(key)) % partitions;
  return stickyPartition;
}

/** Round-robin over partitions, one step per produce request (sticky within a request). */
export class RoundRobin {
  private next = 0;

  /** The partition for the next request's unkeyed records. */
  take(partitions: number): number {
    const chosen = this.next % partitions;
    this.next = (this.next + 1) % 1_000_000_007;
    return chosen;
  }
}
