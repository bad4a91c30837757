import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../test/support/temp-dir';
import { ENGINE_WORKER_TS, tsBootstrap, tsEngineWorker } from '../../../test/support/ts-bootstrap';
import { encodeWireRecord } from '../../common/record-wire';
import { SqliteStorage } from './sqlite-storage';

const CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 };

/** The engine's thread, made to exit with code 7 when it is asked to delete offsets. */
const dyingWorker = () => ({
  code: `${tsBootstrap(ENGINE_WORKER_TS)}
require('node:worker_threads').parentPort.on('message', (request) => {
  if (request.operation === 'deleteOffsetGroup') process.exit(7);
});`,
});

describe('SQLite storage engine thread', () => {
  it('rejects every pending and later call when the engine thread dies', async () => {
    const storage = await SqliteStorage.open({
      file: ':memory:',
      sync: 'normal',
      worker: dyingWorker(),
    });
    const topic = await storage.catalogue.createTopic('t', 1, CONFIG, 1);
    const queued = storage.log.append([
      { topicId: topic.id, partition: 0, records: [encodeWireRecord({ value: 1 }, 1)] },
    ]);
    const fatal = storage.offsets.deleteGroup('g');
    await expect(queued).rejects.toThrow('storage engine exited with code 7');
    await expect(fatal).rejects.toThrow('storage engine exited with code 7');
    await expect(storage.catalogue.listTopics()).rejects.toThrow(
      'storage engine exited with code 7',
    );
    await expect(storage.close()).rejects.toThrow('storage engine exited with code 7');
  });

  it('refuses to open a database it cannot create, without leaving a thread behind', async () => {
    const dir = makeTempDir('weir-storage-');
    try {
      const blocker = join(dir.path, 'a-file');
      writeFileSync(blocker, 'not a directory');
      const opening = SqliteStorage.open({
        file: join(blocker, 'weir.db'),
        sync: 'normal',
        worker: tsEngineWorker(),
      });
      await expect(opening).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    } finally {
      dir.remove();
    }
  });

  it('answers pages as Buffers and typed arrays', async () => {
    const storage = await SqliteStorage.open({
      file: ':memory:',
      sync: 'normal',
      worker: tsEngineWorker(),
    });
    try {
      const topic = await storage.catalogue.createTopic('t', 1, CONFIG, 1);
      const records = [encodeWireRecord({ value: 'é' }, 1), encodeWireRecord({ key: 'k' }, 2)];
      await storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      const page = await storage.log.readPage(topic.id, 0, 0, 10, 1 << 20);
      expect(Buffer.isBuffer(page.wire)).toBe(true);
      expect(page.wire.toString('utf8')).toBe(records.map((r) => r.wire).join(''));
      // Typed arrays made on another thread belong to another realm: compare their contents.
      expect(Array.from(page.offsets)).toEqual([0, 1]);
      expect(Array.from(page.timestamps)).toEqual([1, 2]);
      expect(Array.from(page.wireStarts)).toEqual([
        0,
        Buffer.byteLength(records[0]!.wire),
        page.wire.length,
      ]);
    } finally {
      await storage.close();
    }
  });
});
