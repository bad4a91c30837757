import {
  memberSettings as settings,
  partitionsOf,
  SESSION_MS,
  threeMembersSettled,
} from '../../../../test/support/consumer-group-fixtures';
import { ConsumerGroup } from './consumer-group';
import { MemberKind } from './group-member';
import { groupPartitionKey } from './group-partition';

const six = partitionsOf('t', 6);
const ownedKeys = (group: ConsumerGroup, memberId: string) =>
  group.owned(memberId).map(groupPartitionKey);
const counts = (group: ConsumerGroup) => group.memberIds().map((id) => group.owned(id).length);

/** Ownership of every partition as one comparable value. */
const snapshot = (group: ConsumerGroup) =>
  group.memberIds().map((id) => [id, ownedKeys(group, id).join(',')].join('='));

describe('consumer group', () => {
  it('gives the first member every partition in generation 1', () => {
    const group = new ConsumerGroup('g');
    const change = group.join('a', settings(), 0, six);
    expect(change).toMatchObject({ generation: 1, changed: true, reassigned: ['a'] });
    expect(group.owned('a')).toHaveLength(6);
  });

  it('moves a partition to a new member only after its owner polled again', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    const joined = group.join('b', settings(), 0, six);
    expect(joined.generation).toBe(2);
    expect(group.owned('a')).toHaveLength(6);
    expect(group.owned('b')).toHaveLength(0);
    expect(group.polled('b', 1).changed).toBe(false);

    const acknowledged = group.polled('a', 1);
    expect(acknowledged).toMatchObject({ generation: 3, changed: true, reassigned: ['a', 'b'] });
    expect(counts(group)).toEqual([3, 3]);
  });

  it('keeps a revoked partition with its owner while it heartbeats without owned', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    group.join('b', settings(), 0, six);
    for (let nowMs = 1_000; nowMs < SESSION_MS * 3; nowMs += 1_000) {
      expect(group.heartbeat('a', nowMs).changed).toBe(false);
      group.heartbeat('b', nowMs);
      group.expireSessions(nowMs);
    }
    expect(counts(group)).toEqual([6, 0]);
  });

  it('keeps the revoked partitions a heartbeat lists in owned and hands over the others', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    group.join('b', settings(), 0, six);
    const all = ownedKeys(group, 'a');
    expect(group.heartbeat('a', 1, all).changed).toBe(false);
    expect(ownedKeys(group, 'a')).toEqual(all);

    const change = group.heartbeat('a', 2, ['1:3']); // 1:3 is revoked; it still reads it
    expect(change).toMatchObject({ changed: true, reassigned: ['a', 'b'] });
    expect(ownedKeys(group, 'a')).toEqual(['1:0', '1:1', '1:2', '1:3']);
    expect(ownedKeys(group, 'b')).toEqual(['1:4', '1:5']);

    group.heartbeat('a', 3, []);
    expect(counts(group)).toEqual([3, 3]);
  });

  it('remembers the generation in which the owner got each partition', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    group.join('b', settings(), 0, six);
    group.polled('a', 0);
    const handedOver = group.generation;
    for (const key of ownedKeys(group, 'a')) expect(group.ownedSinceGeneration(key)).toBe(1);
    for (const key of ownedKeys(group, 'b')) {
      expect(group.ownedSinceGeneration(key)).toBe(handedOver);
    }
    group.leave('b');
    expect(group.ownedSinceGeneration('1:5')).toBe(group.generation);
    expect(group.ownedSinceGeneration('1:0')).toBe(1);
  });

  it('spreads six partitions two each over three members', () => {
    expect(counts(threeMembersSettled())).toEqual([2, 2, 2]);
  });

  it('hands over the partitions of a member whose session expired, without an acknowledgement', () => {
    const group = threeMembersSettled();
    const cKeys = ownedKeys(group, 'c');
    group.heartbeat('a', 6_000);
    group.heartbeat('b', 6_000);
    expect(group.nextSessionDeadlineMs()).toBe(SESSION_MS);
    expect(group.expireSessions(SESSION_MS - 1).changed).toBe(false);

    const expired = group.expireSessions(SESSION_MS);
    expect(expired.removed).toEqual(['c']);
    expect(group.memberIds()).toEqual(['a', 'b']);
    expect(counts(group)).toEqual([3, 3]);
    for (const key of cKeys) expect(['a', 'b']).toContain(group.ownerOf(key));
  });

  it('ends a pending revocation when the old owner expires', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    group.join('b', settings(), 5_000, six);
    expect(group.owned('b')).toHaveLength(0);
    group.polled('b', 9_000);
    group.expireSessions(SESSION_MS);
    expect(group.owned('b')).toHaveLength(6);
  });

  it('never expires a member while it waits in a poll', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    group.member('a')!.pollStarted();
    expect(group.nextSessionDeadlineMs()).toBeUndefined();
    expect(group.expireSessions(SESSION_MS * 5).removed).toEqual([]);
    group.member('a')!.pollEnded(SESSION_MS * 5);
    expect(group.nextSessionDeadlineMs()).toBe(SESSION_MS * 6);
  });

  it('hands over the partitions of a leaving member at once', () => {
    const group = threeMembersSettled();
    const change = group.leave('b');
    expect(change.removed).toEqual(['b']);
    expect(counts(group)).toEqual([3, 3]);
  });

  it('revokes from a pushed member at once, since the broker decides what it is sent', () => {
    const group = new ConsumerGroup('g');
    group.join('pushed', settings({ kind: MemberKind.PUSHED }), 0, six);
    group.join('polling', settings(), 0, six);
    expect(counts(group)).toEqual([3, 3]);
    expect(group.nextSessionDeadlineMs()).toBe(SESSION_MS); // only the polling member expires
  });

  it('keeps one assignment per generation and one owner per partition over a long timeline', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const group = new ConsumerGroup('g');
    const seen = new Map<number, string[]>();
    let nowMs = 0;
    for (let step = 0; step < 2000; step++) {
      const id = `m${Math.floor(random() * 6)}`;
      const roll = random();
      nowMs += Math.floor(random() * 3000);
      if (roll < 0.2) group.join(id, settings(), nowMs, six);
      else if (roll < 0.3) group.leave(id);
      else if (roll < 0.5) group.heartbeat(id, nowMs);
      else if (roll < 0.7) group.heartbeat(id, nowMs, ownedKeys(group, id).slice(0, 1));
      else if (roll < 0.9) group.polled(id, nowMs);
      else group.expireSessions(nowMs);

      const owners = group.memberIds().flatMap((m) => ownedKeys(group, m));
      expect(new Set(owners).size).toBe(owners.length);
      const before = seen.get(group.generation);
      if (before) expect(snapshot(group)).toEqual(before);
      else seen.set(group.generation, snapshot(group));
    }
    expect(seen.size).toBeGreaterThan(100);
  });

  it('does not move the generation when a member joins again unchanged', () => {
    const group = threeMembersSettled();
    const before = group.generation;
    expect(group.join('a', settings(), 1, six).changed).toBe(false);
    expect(group.generation).toBe(before);
  });

  it('rebalances when a member joins again with other topics', () => {
    const group = new ConsumerGroup('g');
    const both = [...six, ...partitionsOf('u', 2, 2)];
    group.join('a', settings({ topics: ['t', 'u'] }), 0, both);
    group.join('b', settings({ topics: ['t', 'u'] }), 0, both);
    group.polled('a', 0);
    group.join('a', settings({ topics: ['u'] }), 0, both);
    group.polled('b', 0);
    expect(group.owned('a').map((p) => p.topic)).toEqual(['u', 'u']);
    expect(group.owned('b').map((p) => p.topic)).toEqual(['t', 't', 't', 't', 't', 't']);
  });

  it('rebalances onto new partitions and drops vanished ones on refresh', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, partitionsOf('t', 2));
    expect(group.refresh(partitionsOf('t', 2)).changed).toBe(false);
    group.refresh(partitionsOf('t', 4));
    expect(group.owned('a')).toHaveLength(4);
    group.refresh(partitionsOf('t', 3, 9)); // the topic was deleted and created again
    expect(ownedKeys(group, 'a')).toEqual(['9:0', '9:1', '9:2']);
    expect(group.rebalances).toBe(3);
  });

  it('drops the partitions of a topic its last subscriber left with, in the same generation', () => {
    const group = new ConsumerGroup('g');
    const both = [...partitionsOf('t', 2), ...partitionsOf('u', 2, 2)];
    group.join('a', settings(), 0, both);
    group.join('b', settings({ topics: ['u'] }), 0, both);
    group.leave('b');
    const generation = group.generation;
    expect(group.knownPartitions().map((p) => p.topic)).toEqual(['t', 't']);
    expect(group.refresh(partitionsOf('t', 2)).changed).toBe(false);
    expect(group.generation).toBe(generation);
  });

  it('forgets a position on reset and when a partition leaves its owner', () => {
    const group = new ConsumerGroup('g');
    group.join('a', settings(), 0, six);
    const a = group.member('a')!;
    for (const p of six) a.seek(groupPartitionKey(p), 5);
    group.resetPositions(['1:0']);
    expect(group.unpositioned().map((u) => groupPartitionKey(u.partition))).toEqual(['1:0']);
    group.join('b', settings(), 0, six);
    group.polled('a', 0);
    const positioned = ownedKeys(group, 'a').filter((k) => a.position(k) !== undefined);
    expect(positioned).toEqual(ownedKeys(group, 'a').filter((k) => k !== '1:0'));
    expect(group.unpositioned().filter((u) => u.member.memberId === 'b')).toHaveLength(3);
  });
});
