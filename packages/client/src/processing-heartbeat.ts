import { TopicPartition } from './records';
import { StreamMember } from './stream-member';

/**
 * The heartbeats of a stream member while it processes the records of a poll (a member waiting
 * in a poll needs none). Each names in `owned` the partitions whose records are still in hand,
 * so that the broker hands over a revoked partition only once the member is done with it; one
 * heartbeat is in flight at a time.
 */
export class ProcessingHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly member: StreamMember,
    private readonly intervalMs: number,
    private readonly owned: () => TopicPartition[],
    private readonly onAssignmentChanged: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.beat(), this.intervalMs);
  }

  /** Sends one now (after the one in flight, if any): a revoked partition was let go. */
  beat(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.member
      .heartbeat(this.owned())
      .then(
        (changed) => {
          if (changed) this.onAssignmentChanged();
        },
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.again && this.timer !== undefined) {
          this.again = false;
          this.beat();
        }
      });
  }

  /** No more heartbeats; resolves once the one in flight is answered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.inFlight;
  }
}
