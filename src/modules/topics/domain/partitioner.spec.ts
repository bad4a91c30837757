import { murmur2, toPositive } from './murmur2';
import { choosePartition, RoundRobin } from './partitioner';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('murmur2', () => {
  // The vectors of Kafka's UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %p to %p as Kafka does', (input, expected) => {
    expect(murmur2(bytes(input))).toBe(expected);
  });
});

describe('choosePartition', () => {
  it('puts a keyed record on toPositive(murmur2(key)) % partitions', () => {
    expect(choosePartition(4, 0, bytes('foobar'))).toBe(toPositive(-790332482) % 4);
    expect(choosePartition(7, 0, bytes('21'))).toBe(toPositive(-973932308) % 7);
  });

  it('lets an explicit partition win over the key', () => {
    expect(choosePartition(4, 0, bytes('foobar'), 3)).toBe(3);
  });

  it('puts unkeyed records on the sticky partition', () => {
    expect(choosePartition(4, 2, null)).toBe(2);
  });
});

describe('RoundRobin', () => {
  it('moves to the next partition on each request', () => {
    const rr = new RoundRobin();
    expect([rr.take(3), rr.take(3), rr.take(3), rr.take(3)]).toEqual([0, 1, 2, 0]);
  });
});
