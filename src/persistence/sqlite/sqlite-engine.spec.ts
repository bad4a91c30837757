import { servePage } from '../../common/record-wire';
import { decodeRecord, encodeRecord, RecordInput } from '../../modules/topics/domain/record-codec';
import { writeLegacyRecords, writeLegacyShareRecords } from '../../../test/support/legacy-rows';
import { SqliteEngine } from './sqlite-engine';

const CONFIG = { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 };

const INPUTS: RecordInput[] = [
  { key: 'k-é', value: { a: [1, null] }, headers: { h: '😀', z: '1' } },
  { keyBase64: 'AAE=', valueBase64: 'AP8=' },
  { value: 'text' },
  {},
];

describe('SQLite engine on rows written before the storage port', () => {
  let engine: SqliteEngine;
  let topicId: number;

  beforeEach(() => {
    engine = new SqliteEngine({ file: ':memory:', sync: 'normal' });
    topicId = engine.createTopic('legacy', 1, CONFIG, 1).id;
    writeLegacyRecords(
      engine.db.connection,
      topicId,
      0,
      INPUTS.map((i) => encodeRecord(i, 1000)),
    );
  });
  afterEach(() => engine.close());

  it('serves records stored in the legacy columns exactly as they decode', () => {
    const page = engine.readPage(topicId, 0, 0, 10, 1 << 20);
    expect(JSON.parse(servePage('legacy', 0, page).toString())).toEqual(
      INPUTS.map((input, offset) =>
        decodeRecord('legacy', 0, { ...encodeRecord(input, 1000), offset }),
      ),
    );
    expect(Array.from(page.sizes)).toEqual(INPUTS.map((i) => encodeRecord(i, 1000).sizeBytes));
  });

  it('dead-letters a legacy record with its key, value and headers', () => {
    const dlq = engine.createTopic('dlq', 1, CONFIG, 1).id;
    const group = engine.createShareGroup('g', '{}', 1, []).id;
    const write = {
      groupId: group,
      topicId,
      partition: 0,
      startOffset: 0,
      endOffset: 1,
      resetAll: false,
      batches: [],
    };
    const source = { topicId, partition: 0, offset: 0, topicName: 'legacy' };
    const [offset] = engine.writeShares(
      [write],
      [
        {
          source,
          target: { topicId: dlq, partition: 0 },
          lineage: [['weir-dlq-reason', 'CLIENT_REJECT']],
          reason: 'CLIENT_REJECT',
          deadLetteredAtMs: 5,
        },
      ],
    );
    const [copy] = JSON.parse(
      servePage('dlq', 0, engine.readPage(dlq, 0, 0, 1, 1 << 20)).toString(),
    );
    expect(offset).toBe(0);
    expect(copy).toEqual({
      topic: 'dlq',
      partition: 0,
      offset: 0,
      timestampMs: 5,
      key: 'k-é',
      value: { a: [1, null] },
      headers: {
        h: '😀',
        z: '1',
        'weir-dlq-reason': 'CLIENT_REJECT',
        'weir-dlq-source-timestamp': '1000',
      },
    });
  });

  it('loads legacy share records as one-offset runs and replaces them like runs', () => {
    const group = engine.createShareGroup('g', '{}', 1, []).id;
    const row = (offset: number, state: number) => ({
      offset,
      state,
      deliveryCount: 2,
      memberId: 'm',
      token: 'ab12',
      acquiredAtMs: 1,
      lockExpiresAtMs: 2,
      availableAtMs: null,
    });
    writeLegacyShareRecords(
      engine.db.connection,
      { groupId: group, topicId, partition: 0 },
      { startOffset: 0, endOffset: 4 },
      [row(0, 1), row(1, 1), row(3, 2)],
    );
    const run = (first: number, last: number, state: number) => ({
      firstOffset: first,
      lastOffset: last,
      state,
      deliveryCount: 2,
      memberId: 'm',
      token: 'ab12',
      acquiredAtMs: 1,
      lockExpiresAtMs: 2,
      availableAtMs: null,
    });
    expect(engine.loadShares(group)[0]!.batches).toEqual([
      run(0, 0, 1),
      run(1, 1, 1),
      run(3, 3, 2),
    ]);

    engine.writeShares(
      [
        {
          groupId: group,
          topicId,
          partition: 0,
          startOffset: 1,
          endOffset: 4,
          resetAll: false,
          batches: [{ ...run(1, 3, 0), memberId: null, token: null }],
        },
      ],
      [],
    );
    expect(engine.loadShares(group)[0]!.batches).toEqual([
      { ...run(1, 3, 0), memberId: null, token: null },
    ]);
    engine.deleteTopic(topicId);
    expect(engine.db.connection.prepare('SELECT count(*) AS n FROM share_records').get()).toEqual({
      n: 0,
    });
  });
});
