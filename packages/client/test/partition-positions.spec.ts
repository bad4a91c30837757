import { PartitionPositions } from '../src/partition-positions';
import { WeirRecord } from '../src/records';

const record = (partition: number, offset: number): WeirRecord => ({
  topic: 't',
  partition,
  offset,
  timestampMs: 0,
  key: null,
  value: offset,
  headers: {},
});
const range = (partition: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_x, i) => record(partition, from + i));
const offsetsOf = (batches: ReturnType<PartitionPositions['take']>) =>
  batches.map((b) => [b.partition, b.records.map((r) => r.offset)]);

describe('PartitionPositions', () => {
  it('splits a poll into one batch per partition, in offset order', () => {
    const positions = new PartitionPositions();
    const batches = positions.take([record(0, 0), record(1, 5), record(0, 1), record(1, 6)], 1);
    expect(offsetsOf(batches)).toEqual([
      [0, [0, 1]],
      [1, [5, 6]],
    ]);
  });

  it('does not hand out again a record below the next offset of a partition', () => {
    const positions = new PartitionPositions();
    const [first] = positions.take(range(0, 0, 3), 1);
    positions.advance(first!);
    expect(offsetsOf(positions.take(range(0, 2, 5), 2))).toEqual([[0, [3, 4]]]);
  });

  it('remembers the first record a paused partition skipped, and answers it on resume', () => {
    const positions = new PartitionPositions();
    positions.pause({ topic: 't', partition: 1 });
    expect(offsetsOf(positions.take([...range(0, 0, 2), ...range(1, 4, 6)], 1))).toEqual([
      [0, [0, 1]],
    ]);
    positions.take(range(1, 6, 8), 2);
    expect(positions.resume({ topic: 't', partition: 1 })).toBe(4);
    expect(positions.resume({ topic: 't', partition: 1 })).toBeUndefined();
  });

  it('ignores records read before a seek took effect, unless they start at its offset', () => {
    const positions = new PartitionPositions();
    positions.seekStarted({ topic: 't', partition: 0 }, 10);
    expect(positions.take(range(0, 40, 42), 1)).toEqual([]);
    positions.seekDone({ topic: 't', partition: 0 }, 2);
    expect(positions.take(range(0, 42, 44), 2)).toEqual([]); // poll 2 began before the answer
    expect(offsetsOf(positions.take(range(0, 10, 12), 2))).toEqual([[0, [10, 11]]]);
  });

  it('trusts a poll that began after the seek was answered', () => {
    const positions = new PartitionPositions();
    positions.seekStarted({ topic: 't', partition: 0 }, 10);
    positions.seekDone({ topic: 't', partition: 0 }, 3);
    // The log start passed the target: the broker moved the member to 25.
    expect(offsetsOf(positions.take(range(0, 25, 27), 4))).toEqual([[0, [25, 26]]]);
  });

  it('forgets partitions that are no longer assigned', () => {
    const positions = new PartitionPositions();
    const [batch] = positions.take(range(0, 0, 5), 1);
    positions.advance(batch!);
    positions.retain([{ topic: 't', partition: 1 }]);
    expect(offsetsOf(positions.take(range(0, 0, 2), 2))).toEqual([[0, [0, 1]]]);
  });
});
