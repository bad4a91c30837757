import { BaseRpcContext } from '@nestjs/microservices';
import type { ShareRecord } from '@weir/client';

type WeirContextArgs = [ShareRecord];

/** What a Weir-transport handler can ask (`@Ctx() ctx: WeirContext`) about its record. */
export class WeirContext extends BaseRpcContext<WeirContextArgs> {
  constructor(args: WeirContextArgs) {
    super(args);
  }

  /** The delivered record, with its receipt and lock deadline. */
  getRecord(): ShareRecord {
    return this.args[0];
  }

  getTopic(): string {
    return this.args[0].topic;
  }

  getPartition(): number {
    return this.args[0].partition;
  }

  getOffset(): number {
    return this.args[0].offset;
  }

  /** 1 on the first delivery, + 1 on each redelivery. */
  getDeliveryCount(): number {
    return this.args[0].deliveryCount;
  }

  /** The record's key: a string, a Buffer for a binary key, or null. */
  getKey(): string | Buffer | null {
    return this.args[0].key;
  }

  getHeaders(): Record<string, string> {
    return this.args[0].headers;
  }

  getTimestampMs(): number {
    return this.args[0].timestampMs;
  }
}
