import { Database } from './database';

describe('Database.onRollback', () => {
  let db: Database;
  let undone: string[];

  beforeEach(() => {
    db = new Database({ file: ':memory:', sync: 'normal' });
    undone = [];
  });

  afterEach(() => db.close());

  const fail = () => {
    throw new Error('rolled back');
  };

  it('undoes, latest first, what a transaction registered when it rolls back', () => {
    expect(() =>
      db.transaction(() => {
        db.onRollback(() => undone.push('first'));
        db.onRollback(() => undone.push('second'));
        fail();
      }),
    ).toThrow('rolled back');
    expect(undone).toEqual(['second', 'first']);
  });

  it('undoes nothing for a transaction that commits', () => {
    db.transaction(() => db.onRollback(() => undone.push('kept')));
    db.onRollback(() => undone.push('outside any transaction'));
    expect(() => db.transaction(fail)).toThrow();
    expect(undone).toEqual([]);
  });

  it('undoes only the savepoint that rolled back, while its transaction commits', () => {
    db.transaction(() => {
      db.onRollback(() => undone.push('outer'));
      expect(() =>
        db.transaction(() => {
          db.onRollback(() => undone.push('savepoint'));
          fail();
        }),
      ).toThrow();
    });
    expect(undone).toEqual(['savepoint']);
  });

  it('undoes a savepoint that committed when its transaction rolls back', () => {
    expect(() =>
      db.transaction(() => {
        db.transaction(() => db.onRollback(() => undone.push('savepoint')));
        fail();
      }),
    ).toThrow();
    expect(undone).toEqual(['savepoint']);
  });
});
