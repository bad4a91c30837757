import { AckType } from './ack-queue';

/** Counters of what a ShareConsumer did; a snapshot for tests, logs and health checks. */
export class ShareConsumerStats {
  /** Deliveries pushed by the broker, redeliveries included. */
  received = 0;
  /** Acknowledgements the broker confirmed, by type. */
  accepted = 0;
  released = 0;
  rejected = 0;
  renewed = 0;
  /** Redeliveries taken over by a handler still running (after a reconnect or a lost lock). */
  adopted = 0;
  /** Deliveries whose lock had ended when they were answered: dropped, not retried. */
  lockLost = 0;
  /** Successful subscriptions: 1 plus the reconnections. */
  connections = 0;

  /** Counts a confirmed acknowledgement. */
  count(type: AckType): void {
    switch (type) {
      case AckType.ACCEPT:
        this.accepted += 1;
        break;
      case AckType.RELEASE:
        this.released += 1;
        break;
      case AckType.REJECT:
        this.rejected += 1;
        break;
      case AckType.RENEW:
        this.renewed += 1;
        break;
    }
  }
}
