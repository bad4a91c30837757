import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SqliteStorage } from '../../src/persistence/sqlite/sqlite-storage';
import { served } from '../support/storage-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { tsBootstrap, tsEngineWorker } from '../support/ts-bootstrap';

interface Ack {
  partition: number;
  base: number;
  count: number;
  first: number;
}

/** Offsets `[first, last]` of a partition acknowledged in the share group. */
interface StateAck {
  partition: number;
  first: number;
  last: number;
}

interface Acknowledged {
  appends: Ack[];
  states: StateAck[];
}

/** `RecordState.ACKNOWLEDGED` of the queues domain. */
const ACKNOWLEDGED = 2;

const CHILD = join(__dirname, '..', 'support', 'storage-crash-child.ts');

/**
 * Runs the crash child until it has printed `acks` acknowledgements, then SIGKILLs it while its
 * engine thread is committing the appends still in flight. Resolves with what it acknowledged.
 */
function produceUntilKilled(file: string, acks: number, timeoutMs = 30_000): Promise<Acknowledged> {
  const child = spawn(process.execPath, ['-e', tsBootstrap(CHILD)], {
    cwd: join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH ?? '', WEIR_CRASH_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const acknowledged: Ack[] = [];
    const states: StateAck[] = [];
    let buffered = '';
    let errors = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `child acknowledged ${acknowledged.length} appends in ${timeoutMs} ms: ${errors}`,
        ),
      );
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [kind, ...fields] = line.split(' ');
        const [partition, a, b, c] = fields.map(Number) as [number, number, number, number];
        if (kind === 'ack') acknowledged.push({ partition, base: a, count: b, first: c });
        else if (kind === 'state') states.push({ partition, first: a, last: b });
      }
      if (!killed && acknowledged.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve({ appends: acknowledged, states });
      else
        reject(
          new Error(`child exited (${signal ?? 'no signal'}) before it was killed: ${errors}`),
        );
    });
  });
}

describe('storage engine thread crash', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir('weir-engine-crash-')));
  afterEach(() => dir.remove());

  it('keeps every acknowledged record and share ack, offsets dense, when killed mid-commit', async () => {
    const file = join(dir.path, 'weir.db');
    const { appends, states } = await produceUntilKilled(file, 300);

    const storage = await SqliteStorage.open({ file, sync: 'normal', worker: tsEngineWorker() });
    try {
      const [topic] = await storage.catalogue.listTopics();
      const bounds = await storage.log.bounds();
      for (const partition of [0, 1]) {
        const end = bounds.find(
          (b) => b.topicId === topic!.id && b.partition === partition,
        )!.logEndOffset;
        const page = await storage.log.readPage(
          topic!.id,
          partition,
          0,
          end + 1,
          Number.MAX_SAFE_INTEGER,
        );
        expect(Array.from(page.offsets)).toEqual(Array.from({ length: end }, (_x, i) => i));
        const seqAt = new Map(
          served(page).map((r) => [r.offset as number, (r.value as { seq: number }).seq]),
        );
        for (const ack of appends.filter((a) => a.partition === partition)) {
          for (let i = 0; i < ack.count; i++) expect(seqAt.get(ack.base + i)).toBe(ack.first + i);
        }
      }
      const [group] = await storage.catalogue.listShareGroups();
      const shares = await storage.shares.load(group!.id);
      for (const state of states) {
        const runs = shares.find((p) => p.partition === state.partition)!.batches;
        for (let offset = state.first; offset <= state.last; offset++) {
          const run = runs.find((b) => b.firstOffset <= offset && offset <= b.lastOffset);
          expect(run?.state).toBe(ACKNOWLEDGED);
        }
      }
      expect(appends.length).toBeGreaterThanOrEqual(300);
      expect(states.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  });
});
