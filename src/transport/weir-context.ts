import { BaseRpcContext } from '@nestjs/microservices';
import type { DeliveredRecord } from '../../client/src/share-consumer';

/** What a Weir-transport handler can ask about the record it handles. */
export class WeirContext extends BaseRpcContext<[DeliveredRecord]> {
  constructor(record: DeliveredRecord) {
    super([record]);
  }

  getRecord(): DeliveredRecord {
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

  getDeliveryCount(): number {
    return this.args[0].deliveryCount;
  }

  getKey(): string | undefined {
    return this.args[0].key;
  }

  getHeaders(): Record<string, string> {
    return this.args[0].headers;
  }
}

/** Headers of a request that expects a reply. */
export const REPLY_TO = 'weir-reply-to';
export const CORRELATION_ID = 'weir-correlation-id';
