// The library entry of @weir/client (package.json "main"): what applications import.
export { Admin } from './admin';
export type {
  OffsetTarget,
  ShareGroupConfig,
  ShareGroupDescription,
  StreamGroupDescription,
  TopicConfig,
  TopicDescription,
} from './admin';
export { AckType } from './ack-queue';
export type { BackoffOptions } from './backoff';
export {
  errorMessage,
  hasErrorCode,
  isRetriable,
  NonRetriableError,
  WeirError,
  WeirErrorCode,
} from './errors';
export { PartitionReader } from './partition-reader';
export type { PartitionReaderOptions } from './partition-reader';
export type { StreamBatch } from './partition-positions';
export { Producer } from './producer';
export type { ProducerOptions } from './producer';
export type {
  ProducerRecord,
  RecordMetadata,
  ShareRecord,
  TopicPartition,
  WeirRecord,
} from './records';
export { ShareConsumer } from './share-consumer';
export type { ShareConsumerOptions, ShareHandler, ShareRunOptions } from './share-consumer';
export { ShareConsumerStats } from './share-consumer-stats';
export { StreamConsumer } from './stream-consumer';
export type { StreamConsumerOptions, StreamRunOptions } from './stream-consumer';
