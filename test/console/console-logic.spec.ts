import { redrivePreview } from '../../src/console/lineage';
import { sumSamples } from '../../src/console/metrics-text';
import type { RecordView } from '../../src/console/types';

const deadLetter = (offset: number, headers: Record<string, string>): RecordView => ({
  topic: 'dlq.g.orders',
  partition: 0,
  offset,
  timestampMs: 0,
  headers,
});

describe('console logic', () => {
  it('previews a redrive by destination from the lineage headers, by reason', () => {
    const records = [
      deadLetter(0, {
        'weir-dlq-source-topic': 'orders',
        'weir-dlq-source-partition': '2',
        'weir-dlq-reason': 'CLIENT_REJECT',
      }),
      deadLetter(1, {
        'weir-dlq-source-topic': 'orders',
        'weir-dlq-source-partition': '2',
        'weir-dlq-reason': 'DELIVERY_COUNT_EXCEEDED',
      }),
      deadLetter(2, {
        'weir-dlq-source-topic': 'orders',
        'weir-dlq-source-partition': '0',
        'weir-dlq-reason': 'CLIENT_REJECT',
      }),
      deadLetter(3, { 'weir-dlq-reason': 'CLIENT_REJECT' }),
    ];
    expect(redrivePreview(records, undefined, undefined)).toEqual({
      lines: [
        { topic: 'orders', partition: 2, records: 2 },
        { topic: 'orders', partition: 0, records: 1 },
      ],
      withoutSource: 1,
    });
    expect(redrivePreview(records, 'CLIENT_REJECT', undefined).lines).toEqual([
      { topic: 'orders', partition: 2, records: 1 },
      { topic: 'orders', partition: 0, records: 1 },
    ]);
    // Another topic chooses its partition by key, as the broker does.
    expect(redrivePreview(records, undefined, 'retry')).toEqual({
      lines: [{ topic: 'retry', partition: undefined, records: 4 }],
      withoutSource: 0,
    });
  });

  it('sums the Prometheus samples whose labels match, escapes included', () => {
    const text = [
      '# HELP weir_share_redeliveries_total Deliveries of a record delivered before.',
      '# TYPE weir_share_redeliveries_total counter',
      'weir_share_redeliveries_total{group="billing",topic="orders"} 3',
      'weir_share_redeliveries_total{group="billing",topic="refunds"} 4',
      'weir_share_redeliveries_total{group="other",topic="orders"} 100',
      'weir_share_redeliveries_total_extra{group="billing",topic="orders"} 7',
      'weir_dead_lettered_records_total{group="a\\"b",topic="t",reason="CLIENT_REJECT"} 2',
      'weir_dead_lettered_records_total{group="a\\"b",topic="t",reason="DELIVERY_COUNT_EXCEEDED"} 1',
    ].join('\n');
    expect(sumSamples(text, 'weir_share_redeliveries_total', { group: 'billing' })).toBe(7);
    expect(
      sumSamples(text, 'weir_share_redeliveries_total', { group: 'billing', topic: 'orders' }),
    ).toBe(3);
    expect(sumSamples(text, 'weir_dead_lettered_records_total', { group: 'a"b', topic: 't' })).toBe(
      3,
    );
    expect(sumSamples(text, 'weir_share_redeliveries_total', { group: 'none' })).toBeUndefined();
  });
});
