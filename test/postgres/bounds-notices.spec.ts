import type { BoundsChange } from '../../src/persistence/port/log-storage';
import type { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { jsonRecord, PostgresDatabases, TOPIC_CONFIG } from '../support/postgres-databases';

/** Resolves with the first change `storage` reports that `match` accepts, or rejects. */
function nextChange(
  storage: PostgresStorage,
  match: (change: BoundsChange) => boolean,
  timeoutMs: number,
): Promise<BoundsChange> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no matching bounds change within ${timeoutMs} ms`));
    }, timeoutMs);
    storage.onBoundsChanged((change) => {
      if (done || !match(change)) return;
      done = true;
      clearTimeout(timer);
      resolve(change);
    });
  });
}

describe('bounds notices between nodes sharing one PostgreSQL database', () => {
  const databases = new PostgresDatabases();
  let a: PostgresStorage;
  let b: PostgresStorage;
  let topicId: number;

  beforeAll(() => databases.start());
  afterAll(() => databases.stop());
  beforeEach(async () => {
    const url = await databases.fresh();
    a = await databases.open(url);
    b = await databases.open(url);
    topicId = (await a.catalogue.createTopic('orders', 2, TOPIC_CONFIG, 1)).id;
    // the cluster runtime opens coordination: that starts publishing and listening
    for (const storage of [a, b]) await storage.openCoordination();
  });

  it("reports another node's committed appends as a remote change, with the new bounds", async () => {
    const seen = nextChange(b, (c) => c.remote === true, 10_000);
    await a.log.append([
      { topicId, partition: 1, records: [jsonRecord(1), jsonRecord(2), jsonRecord(3)] },
    ]);
    const change = await seen;
    expect(change.bounds).toEqual([
      expect.objectContaining({ topicId, partition: 1, logStartOffset: 0, logEndOffset: 3 }),
    ]);
  });

  it('never reports its own commits as remote, only as local', async () => {
    const remoteOnA: BoundsChange[] = [];
    a.onBoundsChanged((c) => {
      if (c.remote) remoteOnA.push(c);
    });
    const local = nextChange(a, (c) => c.remote !== true, 10_000);
    const atB = nextChange(b, (c) => c.remote === true, 10_000);
    await a.log.append([{ topicId, partition: 0, records: [jsonRecord(1)] }]);
    await local;
    await atB; // the notice went out and came back to every listener, a's too
    await a.log.append([{ topicId, partition: 0, records: [jsonRecord(2)] }]);
    await nextChange(b, (c) => c.remote === true && c.bounds[0]?.logEndOffset === 2, 10_000);
    expect(remoteOnA).toEqual([]);
  });
});
