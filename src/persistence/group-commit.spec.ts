import { Database } from './database';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  let db: Database;

  beforeEach(() => {
    db = new Database({ file: ':memory:', sync: 'normal' });
    db.connection.exec('CREATE TABLE items (n INTEGER NOT NULL UNIQUE)');
  });

  afterEach(() => db.close());

  const insert = (n: number) => () => {
    db.connection.prepare('INSERT INTO items (n) VALUES (?)').run(n);
    return n;
  };
  const count = () =>
    (db.connection.prepare('SELECT count(*) AS c FROM items').get() as { c: number }).c;

  it('commits work submitted together in one transaction', async () => {
    const commit = new GroupCommit(db);
    let transactions = 0;
    const spy = jest.spyOn(db, 'transaction');
    const results = Promise.all([1, 2, 3].map((n) => commit.submit(insert(n))));
    expect(count()).toBe(0);
    await expect(results).resolves.toEqual([1, 2, 3]);
    transactions = spy.mock.calls.length;
    // one outer transaction and one savepoint per item
    expect(transactions).toBe(1 + 3);
    expect(count()).toBe(3);
  });

  it('settles nothing before the transaction has committed', async () => {
    const commit = new GroupCommit(db);
    let countSeenByCaller = -1;
    await commit.submit(insert(1)).then(() => {
      countSeenByCaller = count();
    });
    expect(countSeenByCaller).toBe(1);
  });

  it('rolls back only the failing item and commits the others', async () => {
    const commit = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      commit.submit(insert(1)),
      commit.submit(insert(1)),
      commit.submit(insert(2)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(count()).toBe(2);
  });

  it('flushes pending work on close and refuses work afterwards', async () => {
    const commit = new GroupCommit(db);
    const pending = commit.submit(insert(5));
    commit.close();
    expect(count()).toBe(1);
    await expect(pending).resolves.toBe(5);
    await expect(commit.submit(insert(6))).rejects.toThrow('closed');
  });
});

describe('GroupCommit rollback hooks', () => {
  it('calls onRollback of a failing item before the next item runs', async () => {
    const db = new Database({ file: ':memory:', sync: 'normal' });
    db.connection.exec('CREATE TABLE items (n INTEGER NOT NULL UNIQUE)');
    const commit = new GroupCommit(db);
    const events: string[] = [];
    const insert = (n: number) => () => {
      events.push(`work ${n}`);
      db.connection.prepare('INSERT INTO items (n) VALUES (?)').run(n);
    };
    const outcomes = await Promise.allSettled([
      commit.submit(insert(1), () => events.push('rollback 1')),
      commit.submit(insert(1), () => events.push('rollback 2')),
      commit.submit(insert(3), () => events.push('rollback 3')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(events).toEqual(['work 1', 'work 1', 'rollback 2', 'work 3']);
    db.close();
  });
});
