import { join } from 'node:path';
import { makeTempDir } from '../../../test/support/temp-dir';
import { MIGRATIONS } from './migrations';
import { SqliteDatabase } from './sqlite-database';

describe('SqliteDatabase', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  it('migrates a new file to the latest schema version once, when it opens it', () => {
    const file = join(dir.path, 'nested', 'weir.db');
    const first = new SqliteDatabase({ file, sync: 'normal' });
    expect(first.schemaVersion()).toBe(MIGRATIONS.length);
    first.connection
      .prepare(
        'INSERT INTO topics (name, partitions, retention_ms, retention_bytes, max_message_bytes, created_at_ms) VALUES (?, 1, -1, -1, 1, 0)',
      )
      .run('kept');
    first.close();
    const again = new SqliteDatabase({ file, sync: 'full' });
    expect(again.schemaVersion()).toBe(MIGRATIONS.length);
    expect(again.connection.prepare('SELECT name FROM topics').pluck().all()).toEqual(['kept']);
    again.close();
  });

  it('undoes a transaction that throws, and commits a savepoint inside one that does not', () => {
    const db = new SqliteDatabase({ file: ':memory:', sync: 'normal' });
    const insert = db.connection.prepare(
      'INSERT INTO topics (name, partitions, retention_ms, retention_bytes, max_message_bytes, created_at_ms) VALUES (?, 1, -1, -1, 1, 0)',
    );
    expect(() =>
      db.transaction(() => {
        insert.run('gone');
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    db.transaction(() => {
      insert.run('outer');
      expect(() =>
        db.transaction(() => {
          insert.run('inner');
          throw new Error('savepoint');
        }),
      ).toThrow('savepoint');
    });
    expect(db.connection.prepare('SELECT name FROM topics').pluck().all()).toEqual(['outer']);
    db.close();
  });
});
