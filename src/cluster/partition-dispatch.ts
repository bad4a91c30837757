import { BrokerError, ErrorCode, PartitionOwnerUnavailableError } from '../common/errors';
import type { PartitionRoute } from './cluster-runtime';
import { NotPartitionOwnerError } from './lease-store';
import { PeerUnreachableError } from './peer-client';

/** Where partitions live, as a router needs it (the `ClusterRuntime`). */
export interface OwnerRouting {
  /** False on a single node: everything is local, nothing is routed. */
  readonly clustered: boolean;
  route(topicId: number, partition: number): PartitionRoute;
  /** Reads who owns what again. */
  refresh(): Promise<void>;
}

/** Where a part of a request is served. */
export type Destination = { kind: 'local' } | { kind: 'remote'; nodeId: string; url: string };

/** Items of a request that go to one destination, with their positions in the request. */
export interface Part<I> {
  destination: Destination;
  indexes: number[];
  items: I[];
}

/** One item's outcome. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Serves one part: answers one value per item, in the part's order. */
export type SendPart<I, R> = (destination: Destination, items: I[]) => Promise<R[]>;

/**
 * True when a failure says the part went to a node that does not serve its partitions (now):
 * the owner changed, the node did not answer, or this node lost the lease meanwhile. Such a
 * part is routed again after the directory is read again.
 */
export function isOwnershipMiss(error: unknown): boolean {
  return (
    error instanceof NotPartitionOwnerError ||
    error instanceof PeerUnreachableError ||
    (error instanceof BrokerError && error.code === ErrorCode.NOT_PARTITION_OWNER)
  );
}

/**
 * Groups items by the node that serves their partition, keeping each item's position and, per
 * destination, the request order (so a partition's records stay in order). Items whose
 * partition has no live owner are listed apart.
 */
export function splitByDestination<I>(
  indexes: readonly number[],
  items: readonly I[],
  where: (item: I) => PartitionRoute,
): { parts: Part<I>[]; unowned: Array<{ index: number; route: PartitionRoute }> } {
  const parts = new Map<string, Part<I>>();
  const unowned: Array<{ index: number; route: PartitionRoute }> = [];
  items.forEach((item, i) => {
    const route = where(item);
    const index = indexes[i]!;
    if (route.kind === 'unowned') {
      unowned.push({ index, route });
      return;
    }
    const key = route.kind === 'local' ? '' : route.nodeId;
    let part = parts.get(key);
    if (!part) {
      const destination: Destination =
        route.kind === 'local'
          ? { kind: 'local' }
          : { kind: 'remote', nodeId: route.nodeId, url: route.url };
      parts.set(key, (part = { destination, indexes: [], items: [] }));
    }
    part.indexes.push(index);
    part.items.push(item);
  });
  return { parts: [...parts.values()], unowned };
}

/**
 * Serves a request whose items belong to partitions owned by several nodes (`where` routes
 * one item, with the directory as last read): each part at its destination, concurrently. A part that misses its owner (`isOwnershipMiss`) and the items
 * with no live owner are routed once more after the directory is read again; what misses
 * again fails with `NOT_PARTITION_OWNER` (`PartitionOwnerUnavailableError`, details
 * `{ owner, url }`). Any other failure fails its part's items as it is. Answers one outcome per
 * item, in request order; parts are independent (one failing does not undo another).
 */
export async function dispatchByPartition<I, R>(
  items: readonly I[],
  where: (item: I) => PartitionRoute,
  refresh: () => Promise<void>,
  send: SendPart<I, R>,
): Promise<Array<ItemOutcome<R>>> {
  const outcomes = new Array<ItemOutcome<R>>(items.length);
  let pending = items.map((_item, index) => index);
  for (let round = 0; round < 2 && pending.length > 0; round++) {
    if (round > 0) await refresh();
    const last = round === 1;
    const { parts, unowned } = splitByDestination(
      pending,
      pending.map((index) => items[index]!),
      where,
    );
    const retry: number[] = [];
    for (const { index, route } of unowned) {
      if (!last) retry.push(index);
      else outcomes[index] = { ok: false, error: unavailable(route) };
    }
    await Promise.all(
      parts.map(async (part) => {
        try {
          const values = await send(part.destination, part.items);
          part.indexes.forEach((index, i) => (outcomes[index] = { ok: true, value: values[i]! }));
        } catch (error) {
          if (isOwnershipMiss(error) && !last) {
            retry.push(...part.indexes);
            return;
          }
          const failure = isOwnershipMiss(error) ? missedAt(part.destination, error) : error;
          for (const index of part.indexes) outcomes[index] = { ok: false, error: failure };
        }
      }),
    );
    pending = retry.sort((a, b) => a - b);
  }
  return outcomes;
}

function unavailable(route: PartitionRoute): PartitionOwnerUnavailableError {
  const owner = route.kind === 'remote' || route.kind === 'unowned' ? route.nodeId : null;
  const url = route.kind === 'remote' || route.kind === 'unowned' ? route.url : null;
  return new PartitionOwnerUnavailableError(
    'No node serves this partition now (a takeover is in progress); retry shortly',
    { owner, url },
  );
}

function missedAt(destination: Destination, error: unknown): PartitionOwnerUnavailableError {
  const owner = destination.kind === 'remote' ? destination.nodeId : null;
  const url = destination.kind === 'remote' ? destination.url : null;
  const why = error instanceof Error ? error.message : String(error);
  return new PartitionOwnerUnavailableError(
    `The partition's owner could not serve it (${why}); retry shortly`,
    { owner, url },
  );
}
