import { RecordView } from '../topics/domain/record-codec';

/** A record as a share-group worker receives it. */
export interface DeliveredRecord extends RecordView {
  deliveryCount: number;
  receipt: string;
  lockExpiresAtMs: number;
}
