// The library entry of @weir/client (package.json "main"): what applications import.
export { Admin } from './admin';
export type {
  DeadLetterTopicSummary,
  OffsetTarget,
  RecordPage,
  RedriveRequest,
  ShareGroupConfig,
  ShareGroupDescription,
  ShareGroupSummary,
  StreamGroupDescription,
  StreamGroupSummary,
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
export type { Endpoint, RequestOptions } from './http-json';
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
export type { ShareConsumerOptions, ShareRunOptions } from './share-consumer-options';
export type { ShareHandler } from './handler-outcome';
export { ShareConsumerStats } from './share-consumer-stats';
export { StreamConsumer } from './stream-consumer';
export type { StreamConsumerOptions, StreamRunOptions } from './stream-consumer';
