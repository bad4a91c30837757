/** One delivered record: where it is and the delivery's token (what `releaseUnsent` needs). */
export interface DeliveredRef {
  topicId: number;
  partition: number;
  offset: number;
  token: string;
}

/**
 * What a receive hands a worker: the records as the JSON array they are sent as (stored
 * fragments plus `deliveryCount`, `receipt` and `lockExpiresAtMs`), and which deliveries those
 * are, in the same order.
 */
export interface ShareDelivery {
  memberId: string;
  /** A JSON array of records, e.g. `[{"topic":..,"offset":..,..,"receipt":..}]`. */
  records: Buffer;
  delivered: DeliveredRef[];
}
