import { BrokerError, ErrorCode } from './errors';

/** Topic and group names: Kafka's legal characters, 1 to 249 of them. */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

/** Throws `INVALID_TOPIC_NAME` unless `name` is a legal topic name. */
export function assertTopicName(name: string): void {
  if (!NAME_PATTERN.test(name) || name === '.' || name === '..') {
    throw new BrokerError(
      ErrorCode.INVALID_TOPIC_NAME,
      `Topic name '${name.slice(0, 300)}' must match ${NAME_PATTERN.source} and not be '.' or '..'`,
    );
  }
}

/** Throws `INVALID_GROUP_NAME` unless `name` is a legal consumer or share group name. */
export function assertGroupName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new BrokerError(
      ErrorCode.INVALID_GROUP_NAME,
      `Group name '${name.slice(0, 300)}' must match ${NAME_PATTERN.source}`,
    );
  }
}
