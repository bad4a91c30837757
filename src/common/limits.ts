import { BrokerError, ErrorCode } from './errors';

/** What the member limit needs of a group: who is in it now. */
export interface Membership {
  member(memberId: string): unknown;
  memberIds(): readonly string[];
}

/**
 * Refuses a new member once a group has `maxMembers` (`WEIR_MAX_GROUP_MEMBERS`) with
 * `TOO_MANY_MEMBERS`; a member already in the group may always join again.
 */
export function assertRoomForMember(group: Membership, memberId: string, maxMembers: number): void {
  if (group.member(memberId) !== undefined) return;
  const members = group.memberIds().length;
  if (members >= maxMembers) {
    throw new BrokerError(
      ErrorCode.TOO_MANY_MEMBERS,
      `The group has ${members} members, the most allowed (WEIR_MAX_GROUP_MEMBERS)`,
      { maxMembers },
    );
  }
}

/**
 * Refuses one more subscription on a socket that holds `maxSubscriptions`
 * (`WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET`) with `TOO_MANY_SUBSCRIPTIONS`.
 */
export function assertRoomForSubscription(open: number, maxSubscriptions: number): void {
  if (open >= maxSubscriptions) {
    throw new BrokerError(
      ErrorCode.TOO_MANY_SUBSCRIPTIONS,
      `This socket holds ${open} subscriptions, the most allowed (WEIR_MAX_SUBSCRIPTIONS_PER_SOCKET)`,
      { maxSubscriptions },
    );
  }
}
