import {
  memberSettings,
  partitionsOf,
  threeMembersSettled,
} from '../../../../test/support/consumer-group-fixtures';
import { fenceCommit } from './commit-fence';
import { ConsumerGroup } from './consumer-group';
import { groupPartitionKey } from './group-partition';

describe('commit fence', () => {
  it('lets the owner commit in the current generation', () => {
    const group = threeMembersSettled();
    expect(fenceCommit(group, 'a', group.generation, group.owned('a'))).toEqual({ ok: true });
  });

  it('refuses a generation older than the one in which the member got the partition', () => {
    const group = threeMembersSettled();
    const ofB = group.owned('b');
    const since = group.ownedSinceGeneration(groupPartitionKey(ofB[0]!))!;
    expect(fenceCommit(group, 'b', since, ofB)).toEqual({ ok: true });
    const verdict = fenceCommit(group, 'b', since - 1, ofB);
    expect(verdict).toMatchObject({ ok: false, code: 'STALE_GENERATION' });
  });

  it('refuses a generation the group has not reached', () => {
    const group = threeMembersSettled();
    const verdict = fenceCommit(group, 'a', group.generation + 1, group.owned('a'));
    expect(verdict).toMatchObject({ ok: false, code: 'STALE_GENERATION' });
  });

  it('lets a member that lost nothing commit with the generation it learned before a rebalance', () => {
    const group = threeMembersSettled();
    const learned = group.generation;
    const kept = group.owned('a');
    group.join('d', memberSettings(), 0, partitionsOf('t', 6));
    group.polled('a', 0);
    group.polled('b', 0);
    group.polled('c', 0);
    expect(group.generation).toBeGreaterThan(learned);
    const stillOwned = kept.filter((p) => group.ownerOf(groupPartitionKey(p)) === 'a');
    expect(stillOwned.length).toBeGreaterThan(0);
    expect(fenceCommit(group, 'a', learned, stillOwned)).toEqual({ ok: true });
  });

  it('refuses a member that lost a partition and got it back, naming the old generation stale', () => {
    const group = new ConsumerGroup('g');
    group.join('a', memberSettings(), 0, partitionsOf('t', 2));
    const learned = group.generation;
    group.join('b', memberSettings(), 0, partitionsOf('t', 2));
    group.polled('a', 0); // t/1 moves to b
    group.leave('b'); // and comes back to a
    expect(group.owned('a')).toHaveLength(2);
    expect(fenceCommit(group, 'a', learned, partitionsOf('t', 2))).toMatchObject({
      ok: false,
      code: 'STALE_GENERATION',
      partitions: [{ topic: 't', partition: 1 }],
    });
    expect(fenceCommit(group, 'a', learned, partitionsOf('t', 1))).toEqual({ ok: true });
  });

  it('refuses a partition the member does not own, naming it', () => {
    const group = threeMembersSettled();
    const verdict = fenceCommit(group, 'a', group.generation, group.owned('b').slice(0, 1));
    expect(verdict).toMatchObject({
      ok: false,
      code: 'NOT_PARTITION_OWNER',
      partitions: [{ topic: 't', partition: group.owned('b')[0]!.partition }],
    });
  });

  it('refuses an unknown member', () => {
    const group = threeMembersSettled();
    expect(fenceCommit(group, 'zombie', undefined, [])).toMatchObject({
      ok: false,
      code: 'MEMBER_NOT_FOUND',
    });
  });

  it('lets an owner commit a partition it was asked to revoke until it acknowledges', () => {
    const group = new ConsumerGroup('g');
    group.join('a', memberSettings(), 0, partitionsOf('t', 6));
    group.join('b', memberSettings(), 0, partitionsOf('t', 6));
    expect(fenceCommit(group, 'a', group.generation, partitionsOf('t', 6))).toEqual({ ok: true });
    group.polled('a', 0);
    expect(fenceCommit(group, 'a', group.generation, partitionsOf('t', 6))).toMatchObject({
      code: 'NOT_PARTITION_OWNER',
    });
  });

  it('checks only ownership for a commit without a generation', () => {
    const group = threeMembersSettled();
    expect(fenceCommit(group, 'c', undefined, group.owned('c'))).toEqual({ ok: true });
  });
});
