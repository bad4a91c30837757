import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../../test/support/eventually';
import { makeTempDir } from '../../../test/support/temp-dir';
import { tsEngineWorker } from '../../../test/support/ts-bootstrap';
import { encodeWireRecord } from '../../common/record-wire';
import type { CheckpointPolicy } from './wal-checkpoints';
import { SqliteStorage } from './sqlite-storage';

const CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 };
const PAGE_BYTES = 4096;
/** A WAL of `pages` frames: a 32-byte header, then a 24-byte header and a page per frame. */
const walBytes = (pages: number) => 32 + pages * (24 + PAGE_BYTES);
const VALUE = 'v'.repeat(240);

describe('WAL checkpoints of the SQLite storage', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let file: string;

  beforeEach(() => {
    dir = makeTempDir('weir-wal-');
    file = join(dir.path, 'weir.db');
  });
  afterEach(() => dir.remove());

  const open = (checkpoints: CheckpointPolicy) =>
    SqliteStorage.open({ file, sync: 'normal', worker: tsEngineWorker(), checkpoints });

  /** Appends `rounds` transactions of `perRound` records; answers every base offset. */
  async function appendRounds(storage: SqliteStorage, rounds: number, perRound: number) {
    const topic = await storage.catalogue.createTopic('t', 1, CONFIG, 1);
    const bases: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const records = Array.from({ length: perRound }, (_x, i) =>
        encodeWireRecord({ key: `k${i}`, value: VALUE }, round),
      );
      const [base] = await storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      bases.push(base!);
    }
    return { topicId: topic.id, bases };
  }

  it('keeps the WAL within its bound under sustained writes even when the checkpointer never runs', async () => {
    const storage = await open({ intervalMs: 3_600_000, maxWalPages: 200 });
    try {
      // about 9 MB of records (over 2,000 pages), in transactions of about 25 pages each
      const { topicId, bases } = await appendRounds(storage, 300, 100);
      expect(bases[299]).toBe(29_900);
      // the bound, plus the transaction that crossed it, plus its index pages
      expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(walBytes(200 + 100));
      const page = await storage.log.readPage(topicId, 0, 29_999, 10, 1 << 20);
      expect(Array.from(page.offsets)).toEqual([29_999]);
    } finally {
      await storage.close();
    }
  });

  it('copies the WAL into the database file from its own thread while the writer never checkpoints', async () => {
    const storage = await open({ intervalMs: 10, maxWalPages: 1_000_000 });
    try {
      const before = statSync(file).size;
      await appendRounds(storage, 20, 100);
      await eventually(() => statSync(file).size > before + 100 * PAGE_BYTES, 10_000, 'checkpoint');
    } finally {
      await storage.close();
    }
    // the last connection to close checkpointed everything and removed the WAL
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('keeps every acknowledged append across close and reopen with checkpoints running beside the writes', async () => {
    const first = await open({ intervalMs: 1, maxWalPages: 64 });
    const { topicId } = await appendRounds(first, 50, 100).finally(() => first.close());
    const again = await open({ intervalMs: 1, maxWalPages: 64 });
    try {
      const page = await again.log.readPage(topicId, 0, 0, 10_000, 64 << 20);
      expect(Array.from(page.offsets)).toEqual(Array.from({ length: 5_000 }, (_x, i) => i));
    } finally {
      await again.close();
    }
  });
});
