import { gatherReceive, GatherSource, rotate } from './share-gather';

/** A source with `available` records now, or that delivers `later` when it is waited on. */
class Source implements GatherSource<number[]> {
  readonly asked: Array<[number, number]> = [];
  stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly nodeId: string,
    private available: number[],
    private readonly failure: Error | null = null,
  ) {}

  receive(maxRecords: number, waitMs: number, signal: AbortSignal): Promise<number[]> {
    this.asked.push([maxRecords, waitMs]);
    if (this.failure) return Promise.reject(this.failure);
    if (this.available.length > 0 || waitMs === 0) return Promise.resolve(this.take(maxRecords));
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.stopped = true;
        resolve([]);
      });
      this.wake = () => resolve(this.take(maxRecords));
    });
  }

  /** Records arrive at this owner while receives wait. */
  arrive(records: number[]): void {
    this.available.push(...records);
    this.wake?.();
  }

  private take(maxRecords: number): number[] {
    return this.available.splice(0, maxRecords);
  }
}

const counting = { count: (records: number[]) => records.length };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('gatherReceive', () => {
  it('asks the owners in turn for what is still missing of maxRecords, without waiting', async () => {
    const a = new Source('a', [1, 2]);
    const b = new Source('b', [3, 4, 5]);
    const c = new Source('c', [6]);
    expect(await gatherReceive([a, b, c], 4, 5_000, counting)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect([a.asked, b.asked, c.asked]).toEqual([[[4, 0]], [[2, 0]], []]);
  });

  it('waits at every owner at once when none has records, ends at the first answer and stops the other waits', async () => {
    const a = new Source('a', []);
    const b = new Source('b', []);
    const gathered = gatherReceive([a, b], 10, 5_000, counting);
    await settle();
    expect(b.asked).toEqual([
      [10, 0],
      [10, 5_000],
    ]);
    b.arrive([7, 8]);
    expect(await gathered).toEqual([[7, 8]]);
    expect(a.stopped).toBe(true);
  });

  it('hands records another owner acquired after the first answer to late, instead of dropping them', async () => {
    const a = new Source('a', []);
    const b = new Source('b', []);
    const late: number[][] = [];
    // b's records arrive in the same turn as a's: b has acquired before it sees the stop
    const gathered = gatherReceive([a, b], 10, 5_000, {
      ...counting,
      late: (records) => late.push(records),
    });
    await settle();
    a.arrive([1]);
    b.arrive([2, 3]);
    expect(await gathered).toEqual([[1]]);
    await settle();
    expect(late).toEqual([[2, 3]]);
  });

  it("ends a wait when the caller's signal aborts: every owner is told to stop and nothing is answered", async () => {
    const a = new Source('a', []);
    const b = new Source('b', []);
    const caller = new AbortController();
    const gathered = gatherReceive([a, b], 10, 5_000, counting, caller.signal);
    await settle();
    caller.abort();
    expect(await gathered).toEqual([]);
    expect([a.stopped, b.stopped]).toEqual([true, true]);
  });

  it('asks no owner when the caller has already given up', async () => {
    const a = new Source('a', [1]);
    const caller = new AbortController();
    caller.abort();
    expect(await gatherReceive([a], 10, 5_000, counting, caller.signal)).toEqual([]);
    expect(a.asked).toEqual([]);
  });

  it('answers empty without waiting when the caller does not wait', async () => {
    const a = new Source('a', []);
    expect(await gatherReceive([a], 10, 0, counting)).toEqual([]);
    expect(a.asked).toEqual([[10, 0]]);
  });

  it('skips an owner that fails and serves the others, and fails only when every owner failed', async () => {
    const failed: string[] = [];
    const down = new Source('down', [], new Error('unreachable'));
    const up = new Source('up', [1]);
    expect(
      await gatherReceive([down, up], 10, 0, { ...counting, failed: (id) => failed.push(id) }),
    ).toEqual([[1]]);
    expect(failed).toEqual(['down']);
    await expect(gatherReceive([down], 10, 0, counting)).rejects.toThrow('unreachable');
  });

  it('fails when every owner fails, also when the caller would wait, instead of answering empty at once', async () => {
    const down = new Source('down', [], new Error('unreachable'));
    const gone = new Source('gone', [], new Error('refused'));
    await expect(gatherReceive([down, gone], 10, 5_000, counting)).rejects.toThrow('unreachable');
    expect(down.asked).toEqual([[10, 0]]);
  });

  it('fails when every wait fails at once', async () => {
    /** Answers empty at once, then fails when waited on. */
    const flaky: GatherSource<number[]> = {
      nodeId: 'flaky',
      receive: (_max, wait) =>
        wait === 0 ? Promise.resolve([]) : Promise.reject(new Error('lost')),
    };
    await expect(gatherReceive([flaky], 10, 5_000, counting)).rejects.toThrow('lost');
  });

  it('rotates the order in which owners are asked', () => {
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotate([], 1)).toEqual([]);
  });
});
