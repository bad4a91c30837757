import { HttpClient } from './http-client';
import { describeGroup, joinGroup, leaveGroup, pollGroup, StreamTally } from './stream-client';
import type { Assigned, StreamRecord, TopicPartition } from './stream-client';
import { log, round, sleep, throughput } from './util';
import { WsStreamMember } from './ws-stream-member';

/** Stop a run after this many failed requests, commits or bad frames. */
const MAX_ERRORS = 10;
/** Polls (HTTP) or waits of 10 ms (WebSocket) to wait for the assignment to settle. */
const SETTLE_ROUNDS = 200;
/** Consecutive empty polls of a member with records still missing: the run has stalled. */
const MAX_EMPTY_POLLS = 200;

/** One consumer-group run over a backlog filled before it, from the earliest offset. */
export interface StreamPlan {
  topic: string;
  group: string;
  members: number;
  /** Log end offset of each partition: the run ends when every record was delivered. */
  ends: readonly number[];
  /** maxRecords of an HTTP poll; the credit of a WebSocket subscription. */
  batch: number;
  timeLimitMs: number;
}

/** True when `assignments` give every partition to exactly one member, evenly. */
function settled(assignments: ReadonlyArray<Assigned | undefined>, partitions: number): boolean {
  const each = partitions / assignments.length;
  const owned = assignments.flatMap((a) => a?.assignment.map((p) => p.partition) ?? []);
  return (
    assignments.every((a) => a?.assignment.length === each) && new Set(owned).size === partitions
  );
}

/** Throughput to the last missing record, and the committed offsets checked afterwards. */
async function conclude(port: number, plan: StreamPlan, tally: StreamTally, start: bigint) {
  const seconds = Number((tally.doneAt ?? process.hrtime.bigint()) - start) / 1e9;
  const client = new HttpClient(port, 1);
  let committedAtEnd = 0;
  let lagAfter: number | null = null;
  try {
    const view = await describeGroup(client, plan.group);
    lagAfter = view.reduce((sum, p) => sum + (p.lag ?? Number.NaN), 0);
    committedAtEnd = view.filter((p) => p.committedOffset === plan.ends[p.partition]).length;
  } catch (error) {
    tally.error('group describe', error);
  } finally {
    client.close();
  }
  const counts = tally.figures();
  const verified =
    counts.distinct === tally.expected &&
    counts.delivered === tally.expected &&
    counts.duplicates + counts.outOfOrder + counts.gaps + counts.badValues + counts.errors === 0 &&
    lagAfter === 0 &&
    committedAtEnd === plan.ends.length;
  if (!verified) log(`${plan.group}: not verified: ${JSON.stringify({ ...counts, lagAfter })}`);
  const { recordsPerSec, mbPerSec } = throughput(counts.distinct, seconds);
  const members = plan.members;
  const expected = tally.expected;
  const checks = { lagAfter, committedAtEnd, verified };
  return { recordsPerSec, mbPerSec, seconds: round(seconds, 3), members, expected, ...checks };
}

/** The figures every run reports, after `conclude`. */
const report = async (port: number, plan: StreamPlan, tally: StreamTally, start: bigint) => {
  const run = await conclude(port, plan, tally, start);
  return { ...run, partitions: plan.ends.length, ...tally.figures() };
};

/**
 * `plan.members` HTTP members of one group with autoCommit (each poll commits the previous
 * one's records). All join first; then each polls in turn until the assignment settles (one
 * partition each for four members), counting what those polls return; then every member polls
 * `maxRecords = batch` (waitMs 0) until its partitions are read to their ends. Finally each
 * leaves, which commits its last poll.
 */
export async function httpStreamConsume(port: number, plan: StreamPlan) {
  const client = new HttpClient(port, plan.members);
  const tally = new StreamTally(plan.topic, plan.ends, plan.members);
  const members: string[] = [];
  const owned: Assigned[] = [];
  let polls = 0;
  let emptyPolls = 0;
  let timedOut = false;
  const start = process.hrtime.bigint();
  const late = (): boolean => Number(process.hrtime.bigint() - start) / 1e6 >= plan.timeLimitMs;
  const poll = async (i: number): Promise<StreamRecord[]> => {
    const answer = await pollGroup(client, plan.group, members[i] ?? '', plan.batch, 0);
    polls++;
    owned[i] = answer;
    tally.take(i, answer.records);
    return answer.records;
  };
  try {
    for (let i = 0; i < plan.members; i++) {
      const join = await joinGroup(client, plan.group, plan.topic);
      members.push(join.memberId);
      owned.push(join);
    }
    let settleRounds = 0;
    while (!settled(owned, plan.ends.length) && settleRounds++ < SETTLE_ROUNDS) {
      for (let i = 0; i < plan.members; i++) await poll(i);
    }
    const settledGeneration = owned[0]?.generation;
    if (!settled(owned, plan.ends.length)) log(`${plan.group}: assignment did not settle`);
    let rebalancesSeen = 0;
    const mine = (i: number): TopicPartition[] => owned[i]?.assignment ?? [];
    const member = async (i: number): Promise<void> => {
      let empty = 0;
      while (!tally.done && tally.errors < MAX_ERRORS) {
        if (mine(i).every((p) => tally.complete(p.partition))) return;
        if (late()) {
          timedOut = true;
          return;
        }
        try {
          const got = (await poll(i)).length;
          if (owned[i]?.generation !== settledGeneration) rebalancesSeen++;
          empty = got > 0 ? 0 : empty + 1;
          emptyPolls += got > 0 ? 0 : 1;
          if (empty >= MAX_EMPTY_POLLS) {
            tally.error(`${plan.group} member ${i}`, `${empty} empty polls in a row`);
            return;
          }
        } catch (error) {
          tally.error(`${plan.group} poll`, error);
        }
      }
    };
    await Promise.all(members.map((_, i) => member(i)));
    const leaveStart = process.hrtime.bigint();
    for (const memberId of members) await leaveGroup(client, plan.group, memberId);
    const leaveMs = round(Number(process.hrtime.bigint() - leaveStart) / 1e6, 1);
    const run = await report(port, plan, tally, start);
    const http = { maxRecords: plan.batch, polls, emptyPolls, settleRounds, rebalancesSeen };
    return { ...run, ...http, leaveMs, timedOut };
  } finally {
    client.close();
  }
}

/**
 * `plan.members` WebSocket members of one group. With more than one, all subscribe with
 * credit 0 and wait until their assignment frames settle, then each is granted `batch`; a
 * single member subscribes with credit `batch`. Every pushed frame is checked against the
 * credit left, answered at once with a credit grant of its size and a commit frame of its
 * offsets; the run ends when the backlog is delivered, and every commit was answered.
 */
export async function wsStreamConsume(port: number, plan: StreamPlan) {
  const url = `ws://127.0.0.1:${port}/ws`;
  const members = await Promise.all(
    Array.from({ length: plan.members }, (_, i) => WsStreamMember.connect(url, `stream-m${i}`)),
  );
  const tally = new StreamTally(plan.topic, plan.ends, plan.members);
  const initialCredit = plan.members > 1 ? 0 : plan.batch;
  const credit = members.map(() => initialCredit);
  const commits: Array<Promise<void>> = [];
  let frames = 0;
  let maxFrame = 0;
  let overCredit = 0;
  let timedOut = false;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onRecords = (i: number) => (records: StreamRecord[]) => {
    const member = members[i];
    if (!member || records.length === 0) return;
    frames++;
    maxFrame = Math.max(maxFrame, records.length);
    const left = (credit[i] ?? 0) - records.length;
    if (left < 0) {
      overCredit++;
      tally.error('ws push', `${member.name}: ${records.length} records, ${-left} over credit`);
    }
    tally.take(i, records);
    const next = new Map<number, number>();
    for (const r of records)
      next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
    const offsets = [...next].map(([partition, offset]) => ({
      topic: plan.topic,
      partition,
      offset,
    }));
    commits.push(member.commit(offsets).catch((error: unknown) => tally.error('ws commit', error)));
    if (tally.done || tally.errors >= MAX_ERRORS) {
      finish();
      return;
    }
    credit[i] = left + records.length;
    member.grant(records.length);
  };
  const start = process.hrtime.bigint();
  const timer = setTimeout(() => {
    timedOut = true;
    finish();
  }, plan.timeLimitMs);
  let settleWaits = 0;
  let commitsDoneAt = start;
  let run: Awaited<ReturnType<typeof report>>;
  try {
    for (const [i, m] of members.entries()) {
      await m.subscribe(plan.group, plan.topic, initialCredit, onRecords(i));
    }
    if (plan.members > 1) {
      const latest = (): Array<Assigned | undefined> => members.map((m) => m.latest);
      while (!settled(latest(), plan.ends.length) && settleWaits++ < SETTLE_ROUNDS) await sleep(10);
      if (!settled(latest(), plan.ends.length)) log(`${plan.group}: assignment did not settle`);
      for (const [i, m] of members.entries()) {
        credit[i] = plan.batch;
        m.grant(plan.batch);
      }
    }
    await finished;
    await Promise.all(commits);
    commitsDoneAt = process.hrtime.bigint();
    for (const m of members) tally.errors += m.unsolicitedErrors;
    run = await report(port, plan, tally, start);
  } finally {
    clearTimeout(timer);
    await Promise.all(members.map((m) => m.close()));
  }
  const commitLagMs = round(Number(commitsDoneAt - (tally.doneAt ?? commitsDoneAt)) / 1e6, 1);
  const assignmentFrames = members.map((m) => m.assignmentFrames);
  const ws = { credit: plan.batch, frames, maxFrame, overCredit, commits: commits.length };
  return { ...run, ...ws, commitLagMs, settleWaits, assignmentFrames, timedOut };
}
