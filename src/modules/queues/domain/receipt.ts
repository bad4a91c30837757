/** What a receipt names: one delivery of one record of one share partition. */
export interface ReceiptParts {
  groupId: number;
  topicId: number;
  partition: number;
  offset: number;
  /** The delivery's token: random per acquisition, so an old delivery's receipt never matches. */
  token: string;
}

const RECEIPT = /^(\d{1,15})\.(\d{1,15})\.(\d{1,5})\.(\d{1,16})\.([0-9a-f]{8,64})$/;

/** Formats the receipt clients hold; opaque to them. */
export function formatReceipt(parts: ReceiptParts): string {
  return `${parts.groupId}.${parts.topicId}.${parts.partition}.${parts.offset}.${parts.token}`;
}

/** Parses a receipt, or undefined when it is not one of ours. */
export function parseReceipt(receipt: string): ReceiptParts | undefined {
  const match = RECEIPT.exec(receipt);
  if (!match) return undefined;
  return {
    groupId: Number(match[1]),
    topicId: Number(match[2]),
    partition: Number(match[3]),
    offset: Number(match[4]),
    token: match[5]!,
  };
}
