import { decodeRecord, encodeRecord, RecordInput } from '../modules/topics/domain/record-codec';
import type { RecordPage } from '../persistence/port/log-storage';
import {
  encodeWireRecord,
  legacyFragment,
  pageFragment,
  parseFragment,
  servePage,
  viewToParts,
  buildFragment,
} from './record-wire';

const INPUTS: RecordInput[] = [
  { key: 'user-7', value: { item: 'book', qty: 1, nested: [1, { x: null }] } },
  { value: 'just a string' },
  { value: 42, timestampMs: 1_763_800_000_000 },
  { value: false },
  { value: [] },
  { keyBase64: Buffer.from([0, 255, 1]).toString('base64'), valueBase64: 'AAECAw==' },
  { key: null, value: null },
  {},
  { key: 'ключ-é-😀', value: { text: 'ünïcödé 😀 "quoted" \\ back\nline\u2028' } },
  { value: 'x', headers: { b: '2', a: '1', 'trace-id': 'é😀', '10': 'numeric name' } },
  { keyBase64: '', valueBase64: '' },
  { key: '', value: '' },
];

/** A page as an adapter answers it, from fragments and offsets. */
function pageOf(fragments: readonly string[], offsets: readonly number[]): RecordPage {
  const wire = Buffer.from(fragments.join(''));
  const wireStarts = new Uint32Array(fragments.length + 1);
  fragments.forEach((f, i) => (wireStarts[i + 1] = wireStarts[i]! + Buffer.byteLength(f)));
  return {
    count: fragments.length,
    offsets: Float64Array.from(offsets),
    timestamps: new Float64Array(fragments.length),
    sizes: new Float64Array(fragments.length),
    keyHashes: new Float64Array(fragments.length).fill(NaN),
    wireStarts,
    wire,
  };
}

const decoded = (input: RecordInput, offset: number) =>
  decodeRecord('orders.é', 3, { ...encodeRecord(input, 1000), offset });

describe('record wire fragments', () => {
  it('serves a page by concatenation that parses to exactly the decoded records', () => {
    const appended = INPUTS.map((input) => encodeWireRecord(input, 1000));
    const offsets = INPUTS.map((_input, i) => 100 + i);
    const served = servePage(
      'orders.é',
      3,
      pageOf(
        appended.map((a) => a.wire),
        offsets,
      ),
    );
    expect(JSON.parse(served.toString('utf8'))).toEqual(
      INPUTS.map((input, i) => decoded(input, offsets[i]!)),
    );
  });

  it('keeps header order and members in the order the API writes them', () => {
    const input: RecordInput = { key: 'k', value: { a: 1 }, headers: { z: '1', y: '2' } };
    const served = servePage('t', 0, pageOf([encodeWireRecord(input, 5).wire], [9]));
    expect(served.toString('utf8')).toBe(
      '[{"topic":"t","partition":0,"offset":9,"timestampMs":5,"key":"k","value":{"a":1},"headers":{"z":"1","y":"2"}}]',
    );
  });

  it('counts key, value and header bytes exactly as the stored codec does', () => {
    for (const input of INPUTS) {
      expect(encodeWireRecord(input, 1000).sizeBytes).toBe(encodeRecord(input, 1000).sizeBytes);
    }
  });

  it('carries the key bytes for partitioning and the producer timestamp or append time', () => {
    const keyed = encodeWireRecord({ key: 'é', value: 1, timestampMs: 7 }, 1000);
    expect(keyed.key).toEqual(Buffer.from('é'));
    expect(keyed.timestampMs).toBe(7);
    const unkeyed = encodeWireRecord({ value: 1 }, 1000);
    expect(unkeyed.key).toBeNull();
    expect(unkeyed.timestampMs).toBe(1000);
  });

  it('appends a per-record suffix inside each record', () => {
    const page = pageOf(
      [encodeWireRecord({ value: 1 }, 1).wire, encodeWireRecord({}, 2).wire],
      [0, 1],
    );
    const served = JSON.parse(
      servePage('q', 1, page, [
        ',"deliveryCount":1,"receipt":"r-é"',
        ',"deliveryCount":2',
      ]).toString(),
    );
    expect(served).toEqual([
      {
        topic: 'q',
        partition: 1,
        offset: 0,
        timestampMs: 1,
        value: 1,
        headers: {},
        deliveryCount: 1,
        receipt: 'r-é',
      },
      { topic: 'q', partition: 1, offset: 1, timestampMs: 2, headers: {}, deliveryCount: 2 },
    ]);
  });

  it('serves an empty page as an empty array', () => {
    expect(servePage('t', 0, pageOf([], [])).toString()).toBe('[]');
  });

  it('computes the fragment of a record stored in the legacy columns as it decodes', () => {
    INPUTS.forEach((input, i) => {
      const stored = encodeRecord(input, 1000);
      const served = JSON.parse(
        servePage('orders.é', 3, pageOf([legacyFragment(stored)], [i])).toString(),
      );
      expect(served).toEqual([decoded(input, i)]);
    });
  });

  it('parses a fragment back and rebuilds the same fragment from its parts', () => {
    for (const input of INPUTS) {
      const { wire } = encodeWireRecord(input, 1000);
      const view = parseFragment(wire);
      const expected: Partial<ReturnType<typeof decoded>> = decoded(input, 0);
      delete expected.topic;
      delete expected.partition;
      delete expected.offset;
      expect(view).toEqual(expected);
      expect(buildFragment(viewToParts(view))).toBe(wire);
    }
  });

  it('reads one fragment of a page as text', () => {
    const fragments = [
      encodeWireRecord({ value: 'é' }, 1).wire,
      encodeWireRecord({ key: '😀' }, 2).wire,
    ];
    const page = pageOf(fragments, [0, 1]);
    expect(pageFragment(page, 1)).toBe(fragments[1]);
  });
});
