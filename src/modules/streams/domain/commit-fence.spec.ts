import {
  memberSettings,
  partitionsOf,
  threeMembersSettled,
} from '../../../../test/support/consumer-group-fixtures';
import { fenceCommit } from './commit-fence';
import { ConsumerGroup } from './consumer-group';

describe('commit fence', () => {
  it('lets the owner commit in the current generation', () => {
    const group = threeMembersSettled();
    expect(fenceCommit(group, 'a', group.generation, group.owned('a'))).toEqual({ ok: true });
  });

  it('refuses a stale generation', () => {
    const group = threeMembersSettled();
    const verdict = fenceCommit(group, 'a', group.generation - 1, group.owned('a'));
    expect(verdict).toMatchObject({ ok: false, code: 'STALE_GENERATION' });
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
    group.heartbeat('a', 0);
    expect(fenceCommit(group, 'a', group.generation, partitionsOf('t', 6))).toMatchObject({
      code: 'NOT_PARTITION_OWNER',
    });
  });

  it('checks only ownership for a commit without a generation', () => {
    const group = threeMembersSettled();
    expect(fenceCommit(group, 'c', undefined, group.owned('c'))).toEqual({ ok: true });
  });
});
