import request from 'supertest';
import { RecordLogService } from '../../src/modules/topics/record-log.service';
import { eventually } from '../support/eventually';
import { AssignmentAnswer, StreamClient, TopicPartition } from '../support/stream-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const SESSION_MS = 10_000;
const names = (assignment: TopicPartition[]) => assignment.map((p) => `${p.topic}/${p.partition}`);

describe('streaming consumer group membership', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let client: StreamClient;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    client = new StreamClient(broker.url, 'members');
  });

  afterEach(async () => {
    expect(client.timeline.conflicts()).toEqual([]);
    await broker.close();
    dir.remove();
  });

  /**
   * Heartbeats every member, each reading nothing (an empty `owned` list hands over what it was
   * asked to revoke), until each owns `each` partitions, at most `rounds` rounds.
   */
  async function settle(memberIds: string[], each: number, rounds = 5) {
    let answers: AssignmentAnswer[] = [];
    for (let round = 0; round < rounds; round++) {
      answers = [];
      for (const id of memberIds) answers.push(await client.heartbeat(id, []));
      const generations = new Set(answers.map((a) => a.generation));
      if (generations.size === 1 && answers.every((a) => a.assignment.length === each)) break;
    }
    return answers;
  }

  it('spreads six partitions two each over three members, then moves the partitions of a silent one after its session timeout', async () => {
    await client.createTopic('six', 6);
    const join = () => client.join({ topics: ['six'], sessionTimeoutMs: SESSION_MS });
    const [a, b, c] = [await join(), await join(), await join()];
    const ids = [a.memberId, b.memberId, c.memberId];
    const settled = await settle(ids, 2);
    expect(settled.map((s) => s.assignment.length)).toEqual([2, 2, 2]);
    expect(new Set(settled.flatMap((s) => names(s.assignment))).size).toBe(6);
    const silent = names(settled[2]!.assignment);

    // c stops heartbeating; a and b go on every 2 s
    for (let elapsedMs = 2000; elapsedMs < SESSION_MS; elapsedMs += 2000) {
      broker.clock.advance(2000);
      await client.heartbeat(a.memberId);
      await client.heartbeat(b.memberId);
      const view = await client.describe();
      expect(view.members).toHaveLength(3);
      expect(names(view.members.find((m: any) => m.memberId === c.memberId).assignment)).toEqual(
        silent,
      );
    }
    broker.clock.advance(2000); // c's session ends now

    const view = await client.describe();
    expect(view.members.map((m: any) => m.memberId).sort()).toEqual(
      [a.memberId, b.memberId].sort(),
    );
    const after = [await client.heartbeat(a.memberId), await client.heartbeat(b.memberId)];
    expect(after.map((s) => s.assignment.length)).toEqual([3, 3]);
    const taken = after.flatMap((s) => names(s.assignment));
    for (const partition of silent) expect(taken).toContain(partition);
    for (const p of settled.slice(0, 2).flatMap((s) => names(s.assignment))) {
      expect(taken).toContain(p); // a and b kept what they had
    }
    const late = await client.pollRaw(c.memberId);
    expect([late.status, late.body.error.code]).toEqual([404, 'MEMBER_NOT_FOUND']);
  });

  it('moves a partition to a new member only once its owner acknowledged on a poll', async () => {
    await client.createTopic('two', 2);
    const a = await client.join({ topics: ['two'] });
    expect(names(a.assignment)).toEqual(['two/0', 'two/1']);
    const b = await client.join({ topics: ['two'] });
    expect(b.assignment).toEqual([]);
    expect((await client.heartbeat(b.memberId)).assignment).toEqual([]);
    const pending = await client.describe();
    expect(pending.partitions.map((p: any) => p.memberId)).toEqual([a.memberId, a.memberId]);

    const acknowledged = await client.poll(a.memberId);
    expect(acknowledged.assignment).toHaveLength(1);
    expect(acknowledged.generation).toBeGreaterThan(b.generation);
    const given = await client.heartbeat(b.memberId);
    expect(given.generation).toBe(acknowledged.generation);
    expect(names([...given.assignment, ...acknowledged.assignment]).sort()).toEqual([
      'two/0',
      'two/1',
    ]);
  });

  it('reassigns the partitions of a leaving member at once', async () => {
    await client.createTopic('four', 4);
    const a = await client.join({ topics: ['four'] });
    const b = await client.join({ topics: ['four'] });
    await settle([a.memberId, b.memberId], 2);
    await client.leave(b.memberId);
    expect((await client.heartbeat(a.memberId)).assignment).toHaveLength(4);
    const view = await client.describe();
    expect(view.members).toEqual([{ memberId: a.memberId, assignment: expect.any(Array) }]);
  });

  it('answers a long poll as soon as a record arrives in an assigned partition', async () => {
    await client.createTopic('wake', 1);
    const a = await client.join({ topics: ['wake'], autoOffsetReset: 'earliest' });
    // the fake clock never moves here, so only the produce can end the wait
    const waiting = client.poll(a.memberId, { waitMs: 30_000 });
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 1);
    await client.produce('wake', [{ value: 'hello' }]);
    const answer = await waiting;
    expect(answer.records.map((r) => r.value)).toEqual(['hello']);
  });

  it('ends a long poll on a rebalance that takes partitions away, with the new assignment', async () => {
    await client.createTopic('shared', 2);
    const a = await client.join({ topics: ['shared'] });
    const waiting = client.poll(a.memberId, { waitMs: 30_000 });
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 1);
    const b = await client.join({ topics: ['shared'] });
    const answer = await waiting;
    expect(answer.records).toEqual([]);
    expect(answer.assignment).toHaveLength(1);
    expect((await client.heartbeat(b.memberId)).assignment).toHaveLength(1);
  });

  it('keeps a member alive while it waits in a long poll longer than its session', async () => {
    await client.createTopic('patient', 1);
    const a = await client.join({ topics: ['patient'], sessionTimeoutMs: SESSION_MS });
    const waiting = client.poll(a.memberId, { waitMs: 30_000 });
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 1);
    broker.clock.advance(SESSION_MS * 2);
    expect((await client.describe()).members).toHaveLength(1);
    broker.clock.advance(SESSION_MS);
    expect((await waiting).records).toEqual([]);
    broker.clock.advance(SESSION_MS - 1);
    expect((await client.heartbeat(a.memberId)).assignment).toHaveLength(1);
  });

  it('rebalances onto new partitions when a subscribed topic grows', async () => {
    await client.createTopic('growing', 1);
    const a = await client.join({ topics: ['growing'] });
    const b = await client.join({ topics: ['growing'] });
    const one = [await client.heartbeat(a.memberId), await client.heartbeat(b.memberId)];
    expect(one.flatMap((x) => names(x.assignment))).toEqual(['growing/0']);
    await request(broker.url).patch('/topics/growing').send({ partitions: 4 }).expect(200);
    const answers = await settle([a.memberId, b.memberId], 2);
    expect(answers.map((x) => x.assignment.length)).toEqual([2, 2]);
  });
});
