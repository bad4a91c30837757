import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from '../support/temp-dir';

const ROOT = join(__dirname, '..', '..');

/** Opens the compiled adapter (`dist/`, as `npm start` runs it) and appends and reads once. */
const SCRIPT = `
const { SqliteStorage } = require('./dist/persistence/sqlite/sqlite-storage.js');
const { encodeWireRecord, servePage } = require('./dist/common/record-wire.js');
(async () => {
  const storage = await SqliteStorage.open({ file: process.env.WEIR_FILE, sync: 'full' });
  const topic = await storage.catalogue.createTopic('t', 1, { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1024 }, 1);
  await storage.log.append([{ topicId: topic.id, partition: 0, records: [encodeWireRecord({ value: { ok: true } }, 5)] }]);
  const page = await storage.log.readPage(topic.id, 0, 0, 10, 1 << 20);
  await storage.close();
  process.stdout.write(servePage('t', 0, page).toString());
})().catch((error) => { process.stderr.write(String(error)); process.exit(1); });
`;

describe('compiled storage engine', () => {
  it('runs its engine thread from engine-worker.js beside the compiled adapter', async () => {
    const dir = makeTempDir('weir-engine-compiled-');
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', SCRIPT], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', WEIR_FILE: join(dir.path, 'weir.db') },
        timeout: 20_000,
      });
      expect(JSON.parse(stdout)).toEqual([
        { topic: 't', partition: 0, offset: 0, timestampMs: 5, value: { ok: true }, headers: {} },
      ]);
    } finally {
      dir.remove();
    }
  });
});
