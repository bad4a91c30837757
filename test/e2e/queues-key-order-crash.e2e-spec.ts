import request from 'supertest';
import { ChildBroker, startChildBroker } from '../support/child-broker';
import { eventually } from '../support/eventually';
import {
  handleKeyedBatch,
  KeyedDelivery,
  KeyOrderLedger,
  prng,
  recordId,
} from '../support/key-order-ledger';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';

const TOTAL = 2000;
const KEYS = 50;
const PARTITIONS = 2;
const KILLS = 3;
const MAX_DELIVERY_COUNT = 10;
const FAILURES = { maxWorkMs: 2, releaseRate: 0.05, rejectRate: 0.01 };

/** The broker child process now, replaced after each SIGKILL; workers wait for the next one. */
class Restarts {
  child!: ChildBroker;
  client!: QueueClient;
  private generation = 0;
  private next: Promise<void> = Promise.resolve();
  private announce: () => void = () => undefined;

  constructor(private readonly dataDir: string) {}

  async start(): Promise<void> {
    this.child = await startChildBroker(this.dataDir);
    this.client = new QueueClient(this.child.url);
    this.generation += 1;
    this.announce();
  }

  async kill(): Promise<void> {
    this.next = new Promise((resolve) => (this.announce = resolve));
    this.child.process.kill('SIGKILL');
    await this.child.exited;
  }

  /** Resolves once a broker newer than `generation` runs (at once if one does). */
  async after(generation: number): Promise<void> {
    if (this.generation > generation) return;
    await this.next;
  }

  get current(): number {
    return this.generation;
  }
}

describe('share groups with ordering "key" across crashes', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let restarts: Restarts;

  beforeEach(() => {
    dir = makeTempDir();
    restarts = new Restarts(dir.path);
  });

  afterEach(async () => {
    if (restarts.child?.process.exitCode === null) {
      restarts.child.process.kill('SIGKILL');
      await restarts.child.exited;
    }
    dir.remove();
  });

  it('keeps per-key acceptance order while the broker is killed with SIGKILL and restarted', async () => {
    const random = prng(4242);
    await restarts.start();
    await request(restarts.child.url)
      .post('/topics')
      .send({ name: 'orders', partitions: PARTITIONS })
      .expect(201);
    await restarts.client.putGroup('o', {
      topics: ['orders'],
      ordering: 'key',
      lockDurationMs: 1000,
      maxDeliveryCount: MAX_DELIVERY_COUNT,
    });
    for (let i = 0; i < TOTAL; i += 500) {
      await restarts.client.produce(
        'orders',
        Array.from({ length: 500 }, () => ({ key: `k${Math.floor(random() * KEYS)}`, value: i })),
      );
    }

    const ledger = new KeyOrderLedger();
    let stop = false;
    const deadline = Date.now() + 120_000;
    const worker = async () => {
      for (let round = 0; round < 100_000 && !stop && Date.now() < deadline; round++) {
        const generation = restarts.current;
        const q = restarts.client;
        try {
          const { records } = await q.receive('o', { maxRecords: 10, waitMs: 100 });
          await handleKeyedBatch(
            records as KeyedDelivery[],
            ledger,
            random,
            MAX_DELIVERY_COUNT,
            (acks) => q.ack('o', acks),
            FAILURES,
          );
        } catch {
          await restarts.after(generation); // the broker was killed: wait for the next one
        }
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());

    const finishedAtKills: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const target = (TOTAL * kill) / (KILLS + 1);
      await eventually(() => ledger.finished >= target, 60_000, `${target} records finished`);
      finishedAtKills.push(ledger.finished);
      await restarts.kill();
      await restarts.start();
    }
    await eventually(
      async () => {
        const described = await restarts.client.describe('o');
        return described.partitions.every((p: { lag: number }) => p.lag === 0);
      },
      90_000,
      'every record done',
    );
    stop = true;
    await Promise.all(workers);

    // every kill hit a broker with work still to do
    expect(finishedAtKills.filter((n) => n >= TOTAL)).toEqual([]);
    expect(ledger.violations).toEqual([]);
    const q = restarts.client;
    const all = (
      await Promise.all(
        Array.from({ length: PARTITIONS }, (_x, p) =>
          q
            .readAll('orders', p)
            .then((rs) =>
              rs.map((r) => ({ key: r.key as string, offset: r.offset as number, partition: p })),
            ),
        ),
      )
    ).flat();
    const deadLettered = new Set(
      (
        await Promise.all(
          Array.from({ length: PARTITIONS }, (_x, p) =>
            q.readAll('dlq.o.orders', p).catch(() => []),
          ),
        )
      )
        .flat()
        .map(
          (r) => `${r.headers['weir-dlq-source-partition']}:${r.headers['weir-dlq-source-offset']}`,
        ),
    );
    // an accept cut off by a kill committed if the record was neither accepted later nor dead-lettered
    const committed = (r: KeyedDelivery) =>
      !ledger.acceptedTimes.has(recordId(r)) && !deadLettered.has(recordId(r));
    const order = ledger.acceptanceOrder(committed);
    expect([...ledger.acceptedTimes.values()].filter((n) => n !== 1)).toEqual([]);
    const expected = new Map<string, number[]>();
    for (const r of all) {
      if (deadLettered.has(recordId(r))) continue;
      expected.set(r.key, [...(expected.get(r.key) ?? []), r.offset]);
    }
    for (const [key, offsets] of expected) expect([key, order.get(key)]).toEqual([key, offsets]);
    expect(order.size).toBe(expected.size);
  });
});
