import { memberSettings, SESSION_MS } from '../../../../test/support/consumer-group-fixtures';
import { GroupMember, MemberKind } from './group-member';

describe('group member', () => {
  it('auto-commits what the previous read returned, and a seek cancels it', () => {
    const member = new GroupMember('a', memberSettings(), 0);
    member.advance('1:0', 7);
    member.advance('1:1', 3);
    member.seek('1:1', 0);
    expect([...member.takeReturned()]).toEqual([['1:0', 7]]);
    expect(member.takeReturned().size).toBe(0);
    expect(member.position('1:0')).toBe(7);
  });

  it('keeps nothing for an auto-commit when auto-commit is off', () => {
    const member = new GroupMember('a', memberSettings({ autoCommit: false }), 0);
    member.advance('1:0', 7);
    expect(member.takeReturned().size).toBe(0);
  });

  it('forgets position and pending auto-commit of a partition it gave up', () => {
    const member = new GroupMember('a', memberSettings(), 0);
    member.advance('1:0', 7);
    member.forget('1:0');
    expect(member.position('1:0')).toBeUndefined();
    expect(member.takeReturned().size).toBe(0);
  });

  it('expires a session timeout after it was last seen, never earlier', () => {
    const member = new GroupMember('a', memberSettings(), 1000);
    member.touch(4000);
    member.touch(2000); // a late answer does not move the deadline back
    expect(member.sessionDeadlineMs()).toBe(4000 + SESSION_MS);
  });

  it('has no session deadline while a poll waits, and one from the end of the poll', () => {
    const member = new GroupMember('a', memberSettings(), 0);
    member.pollStarted();
    member.pollStarted();
    member.pollEnded(50_000);
    expect(member.sessionDeadlineMs()).toBeUndefined();
    member.pollEnded(60_000);
    expect(member.sessionDeadlineMs()).toBe(60_000 + SESSION_MS);
  });

  it('never expires a pushed member: its connection is its session', () => {
    const member = new GroupMember('a', memberSettings({ kind: MemberKind.PUSHED }), 0);
    expect(member.sessionDeadlineMs()).toBeUndefined();
  });

  it('starts each read at the next partition', () => {
    const member = new GroupMember('a', memberSettings(), 0);
    expect([member.nextRotation(), member.nextRotation(), member.nextRotation()]).toEqual([
      0, 1, 2,
    ]);
  });
});
