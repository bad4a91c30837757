import { MessageBatch } from './message-batch';

describe('MessageBatch', () => {
  it('posts the messages added since the last flush as one array, in order, with their transfers merged', () => {
    const posted: Array<[string[], ArrayBuffer[]]> = [];
    const batch = new MessageBatch<string>((messages, transfer) =>
      posted.push([messages, transfer]),
    );
    const a = new ArrayBuffer(8);
    const b = new ArrayBuffer(8);
    batch.add('first', [a]);
    batch.add('second');
    batch.add('third', [b, a]);
    expect(batch.size).toBe(3);
    batch.flush();
    expect(posted).toEqual([
      [
        ['first', 'second', 'third'],
        [a, b],
      ],
    ]);
    expect(posted[0]![1][0]).toBe(a);
    expect(batch.size).toBe(0);
  });

  it('posts nothing when nothing was added, and starts afresh after a flush', () => {
    const posted: string[][] = [];
    const batch = new MessageBatch<string>((messages) => posted.push(messages));
    batch.flush();
    batch.add('one');
    batch.flush();
    batch.flush();
    batch.add('two');
    batch.flush();
    expect(posted).toEqual([['one'], ['two']]);
  });
});
