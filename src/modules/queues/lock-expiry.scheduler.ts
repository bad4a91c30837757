import { Clock, ScheduledTimer } from '../../common/clock';

/**
 * The broker's one timer for share groups: it sleeps until the earliest lock expiry or release
 * delay over all share partitions, runs `onDue`, and sleeps again. `poke` after any change that
 * may bring the next deadline forward.
 */
export class LockExpiryScheduler {
  private timer: ScheduledTimer | undefined;
  private armedForMs: number | null = null;
  private running = false;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly nextDeadline: () => number | null,
    private readonly onDue: () => Promise<void>,
  ) {}

  /** Re-arms the timer if the next deadline is earlier than the one it waits for. */
  poke(): void {
    if (this.stopped || this.running) return;
    const deadline = this.nextDeadline();
    if (deadline === null) {
      this.timer?.cancel();
      this.timer = undefined;
      this.armedForMs = null;
      return;
    }
    if (this.armedForMs !== null && this.armedForMs <= deadline) return;
    this.timer?.cancel();
    this.armedForMs = deadline;
    this.timer = this.clock.schedule(deadline - this.clock.now(), () => void this.fire());
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.armedForMs = null;
    this.running = true;
    try {
      await this.onDue();
    } finally {
      this.running = false;
      this.poke();
    }
  }
}
