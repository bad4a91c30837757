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

const CHILD = join(__dirname, '..', 'support', 'storage-crash-child.ts');

/**
 * Runs the crash child until it has printed `acks` acknowledgements, then SIGKILLs it while its
 * engine thread is committing the appends still in flight. Resolves with what it acknowledged.
 */
function produceUntilKilled(file: string, acks: number, timeoutMs = 30_000): Promise<Ack[]> {
  const child = spawn(process.execPath, ['-e', tsBootstrap(CHILD)], {
    cwd: join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH ?? '', WEIR_CRASH_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const acknowledged: Ack[] = [];
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
        if (kind !== 'ack') continue;
        const [partition, base, count, first] = fields.map(Number) as [
          number,
          number,
          number,
          number,
        ];
        acknowledged.push({ partition, base, count, first });
      }
      if (!killed && acknowledged.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(acknowledged);
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

  it('keeps every acknowledged record with dense offsets when the process is killed mid-commit', async () => {
    const file = join(dir.path, 'weir.db');
    const acknowledged = await produceUntilKilled(file, 300);

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
        for (const ack of acknowledged.filter((a) => a.partition === partition)) {
          for (let i = 0; i < ack.count; i++) expect(seqAt.get(ack.base + i)).toBe(ack.first + i);
        }
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    } finally {
      await storage.close();
    }
  });
});
