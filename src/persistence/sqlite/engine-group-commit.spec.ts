import { encodeWireRecord } from '../../common/record-wire';
import { MissingPartitionError } from '../port/log-storage';
import { EngineGroupCommit, type WriteOutcome } from './engine-group-commit';
import { SqliteEngine } from './sqlite-engine';

const CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 };

describe('group commit in the engine', () => {
  let engine: SqliteEngine;
  let topicId: number;

  beforeEach(() => {
    engine = new SqliteEngine({ file: ':memory:', sync: 'normal' });
    topicId = engine.createTopic('t', 1, CONFIG, 1).id;
  });
  afterEach(() => engine.close());

  const append = (partition: number, n: number) => () =>
    engine.append([{ topicId, partition, records: [encodeWireRecord({ value: n }, 1)] }]);

  it('answers each write only after the shared transaction committed', () => {
    const commits = new EngineGroupCommit(engine.db);
    const answered: Array<{ outcome: WriteOutcome; inTransaction: boolean }> = [];
    for (let n = 0; n < 3; n++) {
      commits.enqueue(append(0, n), 1, (outcome) =>
        answered.push({ outcome, inTransaction: engine.db.inTransaction }),
      );
    }
    expect(answered).toEqual([]);
    expect(commits.commitNext()).toBe(false);
    expect(answered).toEqual(
      [0, 1, 2].map((n) => ({ outcome: { ok: true, value: [n] }, inTransaction: false })),
    );
  });

  it('undoes a failing write alone and commits the others of its transaction', () => {
    const commits = new EngineGroupCommit(engine.db);
    const outcomes: WriteOutcome[] = [];
    commits.enqueue(append(0, 0), 1, (o) => outcomes.push(o));
    commits.enqueue(
      () => {
        engine.append([{ topicId, partition: 0, records: [encodeWireRecord({ value: 'x' }, 1)] }]);
        return append(5, 1)();
      },
      1,
      (o) => outcomes.push(o),
    );
    commits.enqueue(append(0, 2), 1, (o) => outcomes.push(o));
    commits.commitAll();
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(MissingPartitionError) });
    expect(outcomes[2]).toEqual({ ok: true, value: [1] });
    expect(engine.bounds()[0]).toMatchObject({ logEndOffset: 2 });
  });

  it('splits a long queue into transactions bounded by writes and weight', () => {
    const commits = new EngineGroupCommit(engine.db, { maxWrites: 3, maxWeight: 10 });
    const answered: number[] = [];
    const weights = [1, 1, 1, 1, 9, 4, 1];
    weights.forEach((weight, n) => commits.enqueue(append(0, n), weight, () => answered.push(n)));
    const chunks: number[][] = [];
    let more = true;
    while (more) {
      const before = answered.length;
      more = commits.commitNext();
      chunks.push(answered.slice(before));
    }
    expect(chunks).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(commits.queued).toBe(0);
  });
});
