/** A small seeded PRNG (mulberry32) so that a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A delivered share-group record as workers see it. */
export interface KeyedDelivery {
  partition: number;
  offset: number;
  key: string;
  receipt: string;
  deliveryCount: number;
}

const id = (r: { partition: number; offset: number }) => `${r.partition}:${r.offset}`;

/**
 * What workers of a share group with ordering `key` saw, to check the order per key: which
 * record of each key a worker holds (a record of a key delivered while an earlier one of the
 * same key is held and not yet acknowledged is a violation), and the accepts in the order they
 * were *sent* (a key's next record can only be delivered after the accept before it committed,
 * so send order is causal), kept when answered ok.
 */
export class KeyOrderLedger {
  /** Per key, the record a worker holds and has not acknowledged yet. */
  private readonly held = new Map<string, string>();
  readonly violations: string[] = [];
  /** How many times each record's accept was answered ok. */
  readonly acceptedTimes = new Map<string, number>();
  /** Records a worker saw go to the dead-letter topic (rejected, or released on the last delivery). */
  readonly deadLettered = new Set<string>();
  private sent = 0;
  private readonly pending = new Map<number, KeyedDelivery>();
  private readonly okTickets: Array<[number, KeyedDelivery]> = [];

  delivered(record: KeyedDelivery): void {
    const holder = this.held.get(record.key);
    if (holder !== undefined)
      this.violations.push(`${id(record)} delivered while ${holder} of key ${record.key} is held`);
    this.held.set(record.key, id(record));
  }

  /** An acknowledgement is about to be sent: the worker no longer holds the record. */
  acknowledging(record: KeyedDelivery): void {
    if (this.held.get(record.key) === id(record)) this.held.delete(record.key);
  }

  /** An accept is about to be sent; returns its ticket for `accepted`. */
  accepting(record: KeyedDelivery): number {
    this.acknowledging(record);
    const ticket = this.sent++;
    this.pending.set(ticket, record);
    return ticket;
  }

  /** The accept with `ticket` was answered (ok or not). */
  answered(ticket: number, ok: boolean): void {
    const record = this.pending.get(ticket);
    this.pending.delete(ticket);
    if (!record || !ok) return;
    this.acceptedTimes.set(id(record), (this.acceptedTimes.get(id(record)) ?? 0) + 1);
    this.okTickets.push([ticket, record]);
  }

  /** Records whose accept was sent and never answered (a broker killed meanwhile). */
  unanswered(): KeyedDelivery[] {
    return [...this.pending.values()];
  }

  /**
   * Per key, the offsets accepted ok, in the order their accepts were sent; with
   * `committedUnanswered`, also the accepts never answered that it says committed.
   */
  acceptanceOrder(committedUnanswered?: (r: KeyedDelivery) => boolean): Map<string, number[]> {
    const byKey = new Map<string, number[]>();
    const unanswered = [...this.pending].filter(([, r]) => committedUnanswered?.(r) === true);
    for (const [, r] of [...this.okTickets, ...unanswered].sort((a, b) => a[0] - b[0])) {
      const list = byKey.get(r.key) ?? [];
      list.push(r.offset);
      byKey.set(r.key, list);
    }
    return byKey;
  }

  /** Records finished as far as workers know: accepted ok or dead-lettered. */
  get finished(): number {
    return this.acceptedTimes.size + this.deadLettered.size;
  }

  /** A reject, or a release on the last allowed delivery, was answered ok. */
  noteDeadLettered(record: KeyedDelivery): void {
    this.deadLettered.add(id(record));
  }
}

export const recordId = id;

/** What a worker does with one delivered record. */
export type KeyedAction = 'accept' | 'release' | 'reject';

/**
 * Handles a batch the way a worker of an ordered group does: notes each delivery, works on each
 * record for a random time (simulated work, not synchronisation), then sends one batch of
 * acknowledgements (random failures: releases and rejects) and notes what was answered.
 */
export async function handleKeyedBatch(
  records: readonly KeyedDelivery[],
  ledger: KeyOrderLedger,
  random: () => number,
  maxDeliveryCount: number,
  send: (acks: object[]) => Promise<Array<{ ok: boolean }>>,
  options: { maxWorkMs: number; releaseRate: number; rejectRate: number },
): Promise<void> {
  if (records.length === 0) return;
  for (const r of records) ledger.delivered(r);
  const actions: KeyedAction[] = [];
  for (let i = 0; i < records.length; i++) {
    const workMs = Math.floor(random() * (options.maxWorkMs + 1));
    if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));
    const x = random();
    actions.push(
      x < options.releaseRate
        ? 'release'
        : x < options.releaseRate + options.rejectRate
          ? 'reject'
          : 'accept',
    );
  }
  const tickets = records.map((r, i) =>
    actions[i] === 'accept' ? ledger.accepting(r) : (ledger.acknowledging(r), -1),
  );
  const results = await send(
    records.map((r, i) => ({
      receipt: r.receipt,
      type: actions[i],
      ...(actions[i] === 'reject' ? { error: 'handler failed' } : {}),
    })),
  );
  records.forEach((r, i) => {
    const ok = results[i]?.ok === true;
    if (actions[i] === 'accept') ledger.answered(tickets[i]!, ok);
    else if (ok && (actions[i] === 'reject' || r.deliveryCount >= maxDeliveryCount))
      ledger.noteDeadLettered(r);
  });
}
