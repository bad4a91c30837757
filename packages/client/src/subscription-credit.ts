import { afterLinger } from './ack-queue';

/**
 * The credit of a share consumer's subscriptions, one per connection. Each subscription is
 * granted the full concurrency when it starts; a delivery holds one unit of the subscription it
 * came on and gives it back to that subscription when its handler ends, never to a later one
 * (whose credit was granted in full) and never to nobody: credit is owed to the socket it was
 * granted on. Units given back leave in one frame once `batch` of them are owed, or `lingerMs`
 * after the first (0: at the end of the turn): the broker then pushes in batches too.
 */
export class SubscriptionCredit {
  private current: { subscriptionId: string; epoch: number } | undefined;
  private lastEpoch = 0;
  private owed = 0;
  private batch = 1;
  private cancelFlush: (() => void) | undefined;

  constructor(
    private readonly grant: (subscriptionId: string, records: number) => void,
    private readonly lingerMs: number,
  ) {}

  /**
   * A subscription granted `granted` records was answered; answers its epoch, which deliveries
   * on it remember. Credit goes back in frames of a quarter of the grant (or after the linger).
   */
  opened(subscriptionId: string, granted: number): number {
    this.closed();
    this.batch = Math.max(1, Math.floor(granted / 4));
    this.current = { subscriptionId, epoch: ++this.lastEpoch };
    return this.current.epoch;
  }

  /** The connection ended: what was owed to its subscription died with it. */
  closed(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.owed = 0;
    this.current = undefined;
  }

  /** The epoch of the live subscription, if any. */
  get epoch(): number | undefined {
    return this.current?.epoch;
  }

  /** The live subscription's id, if any. */
  get subscriptionId(): string | undefined {
    return this.current?.subscriptionId;
  }

  /** Gives `records` units back to subscription `epoch`, if it is still the live one. */
  giveBack(epoch: number, records = 1): void {
    if (this.current?.epoch !== epoch) return;
    this.owed += records;
    if (this.owed >= this.batch) this.flush();
    else this.cancelFlush ??= afterLinger(this.lingerMs, () => this.flush());
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const records = this.owed;
    this.owed = 0;
    if (records > 0 && this.current) this.grant(this.current.subscriptionId, records);
  }
}
