/** A parked lock expiry: which delivery (by token) and until when. */
interface ExpiryHold {
  token: string | null;
  untilMs: number;
}

/**
 * Records whose attempt end (a lock expiry, a release delay falling due) could not be written,
 * say because their dead-letter topic is gone: they stay as they are until `untilMs`, so that
 * the lock-expiry timer does not find the same overdue deadline again and again. A hold names
 * one delivery (its token); once the record moves on, the hold no longer applies.
 */
export class ExpiryHolds {
  private readonly holds = new Map<number, ExpiryHold>();

  /**
   * Parks `offset`'s delivery `token` until `untilMs`. True when this delivery was not parked
   * before (its failure is new and worth reporting), false for a retry that failed again.
   */
  hold(offset: number, token: string | null, untilMs: number): boolean {
    const existing = this.holds.get(offset);
    this.holds.set(offset, { token, untilMs });
    return existing?.token !== token;
  }

  /** The time `offset`'s delivery `token` is parked until, or undefined. */
  heldUntil(offset: number, token: string | null): number | undefined {
    const hold = this.holds.get(offset);
    return hold && hold.token === token ? hold.untilMs : undefined;
  }

  /** Keeps only the holds that still name a current delivery. */
  prune(current: (offset: number) => string | null | undefined): void {
    for (const [offset, hold] of this.holds) {
      if (current(offset) !== hold.token) this.holds.delete(offset);
    }
  }

  entries(): Array<[number, string | null, number]> {
    return [...this.holds].map(([offset, h]) => [offset, h.token, h.untilMs]);
  }

  clear(): void {
    this.holds.clear();
  }

  get size(): number {
    return this.holds.size;
  }
}
