import { decodeRecord, encodeRecord, RecordInput } from './record-codec';

const roundTrip = (input: RecordInput) => {
  const encoded = encodeRecord(input, 1000);
  return decodeRecord('t', 0, { ...encoded, offset: 7 });
};

describe('record codec', () => {
  it.each([
    [{ value: { nested: [1, 2, { x: null }], s: 'é' } }],
    [{ value: 'just a string' }],
    [{ value: 42 }],
    [{ value: false }],
    [{ value: [] }],
  ])('round-trips the JSON value %j', (input) => {
    expect(roundTrip(input).value).toEqual(input.value);
  });

  it('round-trips binary values and keys as the same bytes', () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const view = roundTrip({ valueBase64: bytes.toString('base64'), keyBase64: 'AAEC' });
    expect(Buffer.from(view.valueBase64!, 'base64')).toEqual(bytes);
    expect(view.keyBase64).toBe('AAEC');
    expect(view.value).toBeUndefined();
    expect(view.key).toBeUndefined();
  });

  it('keeps string keys and headers in order', () => {
    const view = roundTrip({ key: 'user-7', headers: { b: '2', a: '1', 'trace-id': 'x' } });
    expect(view.key).toBe('user-7');
    expect(Object.entries(view.headers)).toEqual([
      ['b', '2'],
      ['a', '1'],
      ['trace-id', 'x'],
    ]);
  });

  it('treats absent and null values as null', () => {
    expect(roundTrip({}).value).toBeUndefined();
    expect(roundTrip({ value: null }).value).toBeUndefined();
  });

  it('uses the producer timestamp when given and the append time otherwise', () => {
    expect(encodeRecord({ timestampMs: 5 }, 1000).timestampMs).toBe(5);
    expect(encodeRecord({}, 1000).timestampMs).toBe(1000);
  });

  it('counts key, value and header bytes as the record size', () => {
    const encoded = encodeRecord({ key: 'ab', value: 'x', headers: { h: 'vv' } }, 0);
    expect(encoded.sizeBytes).toBe(2 + 3 + 3);
  });
});
