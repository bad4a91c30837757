import { useBroker } from '../support/broker-fixture';
import {
  dashboardExpressions,
  familyOf,
  loadDashboard,
  metricFamilies,
  metricNamesIn,
} from '../support/grafana-dashboard';
import { MetricsScenario, runMetricsScenario } from '../support/metrics-scenario';
import { sample } from '../support/prometheus-sample';

/** One series and the value it must have; `undefined`: no such series is exposed. */
type Expected = [name: string, labels: Record<string, string>, value: number | undefined];

/** Each expected series with what the scrape shows, for one readable diff. */
function compare(exposition: string, expected: readonly Expected[]) {
  return {
    actual: expected.map(([name, labels]) => [name, labels, sample(exposition, name, labels)]),
    expected,
  };
}

const g = (partition?: number) => ({
  group: 'g',
  topic: 'jobs',
  ...(partition === undefined ? {} : { partition: String(partition) }),
});
const audit = { group: 'audit', topic: 'logs', partition: '0' };
const STATES = ['available', 'acquired', 'acknowledged', 'archived'] as const;

/** Share partition gauges: lag, records by state, oldest available age (seconds). */
function sharePartition(
  labels: Record<string, string>,
  lag: number,
  states: Record<(typeof STATES)[number], number>,
  oldestAgeSeconds: number,
): Expected[] {
  return [
    ['weir_share_group_lag', labels, lag],
    ...STATES.map((state): Expected => [
      'weir_share_group_records',
      { ...labels, state },
      states[state],
    ]),
    ['weir_share_group_oldest_available_age_seconds', labels, oldestAgeSeconds],
  ];
}

const zero = { available: 0, acquired: 0, acknowledged: 0, archived: 0 };

/** HTTP request counts by route pattern before the final scrape (see runMetricsScenario). */
const HTTP_REQUESTS: Array<[string, number]> = [
  ['POST /topics', 2], // logs, events
  ['POST /topics/:topic/records', 3], // logs, jobs, events partition 0
  ['PUT /queues/groups/:group', 2], // audit, g
  ['POST /queues/groups/:group/receive', 3], // audit once, g twice
  ['POST /queues/groups/:group/acks', 2],
  ['POST /streams/groups/:group/members', 2], // a, b
  ['POST /streams/groups/:group/members/:memberId/heartbeat', 1],
  ['POST /streams/groups/:group/members/:memberId/poll', 2],
  ['POST /streams/groups/:group/offsets', 2],
  ['DELETE /streams/groups/:group/members/:memberId', 1],
  ['GET /metrics', 2], // midway, beforeLeave
];

function finalExpectations(run: MetricsScenario): Expected[] {
  const events = (partition: number) => ({
    group: 'sg',
    topic: 'events',
    partition: String(partition),
  });
  return [
    // produced: JSON values count as their JSON text ("x" is 3 bytes, 0 is 1 byte)
    ['weir_records_produced_total', { topic: 'logs' }, 3],
    ['weir_records_produced_total', { topic: 'jobs' }, 6],
    ['weir_records_produced_total', { topic: 'events' }, 4],
    ['weir_records_produced_total', { topic: 'dlq.g.jobs' }, 0], // not a producer's
    ['weir_produced_bytes_total', { topic: 'logs' }, 9],
    ['weir_produced_bytes_total', { topic: 'jobs' }, 6],
    ['weir_produced_bytes_total', { topic: 'events' }, 12],
    ['weir_log_start_offset', { topic: 'logs', partition: '0' }, 3],
    ['weir_log_end_offset', { topic: 'logs', partition: '0' }, 3],
    ['weir_log_start_offset', { topic: 'jobs', partition: '0' }, 0],
    ['weir_log_end_offset', { topic: 'jobs', partition: '0' }, 6],
    ['weir_log_end_offset', { topic: 'events', partition: '0' }, 2],
    ['weir_log_end_offset', { topic: 'events', partition: '1' }, 2],
    ['weir_log_end_offset', { topic: 'dlq.g.jobs', partition: '0' }, 2],
    // retention: 3 records of logs deleted, none of them consumed by audit
    ['weir_retention_deleted_records_total', { topic: 'logs' }, 3],
    ['weir_group_retention_skipped_records_total', { group: 'audit', topic: 'logs' }, 3],
    ['weir_share_deliveries_total', { group: 'audit' }, 0],
    ...sharePartition(audit, 0, zero, 0),
    // share group g: 6 first deliveries + 2, 4, 5 again; 4 and 5 expired once, 5 twice
    ['weir_share_deliveries_total', g(), 9],
    ['weir_share_redeliveries_total', g(), 3],
    ['weir_share_lock_expirations_total', g(), 3],
    ['weir_share_acknowledgements_total', { ...g(), type: 'accept' }, 4],
    ['weir_share_acknowledgements_total', { ...g(), type: 'release' }, 1],
    ['weir_share_acknowledgements_total', { ...g(), type: 'reject' }, 1],
    ['weir_share_acknowledgements_total', { ...g(), type: 'renew' }, 0],
    ['weir_dead_lettered_records_total', { ...g(), reason: 'CLIENT_REJECT' }, 1],
    ['weir_dead_lettered_records_total', { ...g(), reason: 'DELIVERY_COUNT_EXCEEDED' }, 1],
    // every record terminal: the start offset moved to 6, nothing is left above it
    ...sharePartition(g(0), 0, zero, 0),
    ['weir_dead_letter_topic_records', { topic: 'dlq.g.jobs', reason: 'CLIENT_REJECT' }, 1],
    [
      'weir_dead_letter_topic_records',
      { topic: 'dlq.g.jobs', reason: 'DELIVERY_COUNT_EXCEEDED' },
      1,
    ],
    // the reject happened at T1; the clock is at T1 + 2000 ms
    ['weir_dead_letter_topic_oldest_age_seconds', { topic: 'dlq.g.jobs' }, 2],
    // stream group: a committed all of its partition, b one of two; b left
    ['weir_stream_group_committed_offset', events(run.partitionOfA), 2],
    ['weir_stream_group_committed_offset', events(run.partitionOfB), 1],
    ['weir_stream_group_lag', events(run.partitionOfA), 0],
    ['weir_stream_group_lag', events(run.partitionOfB), 1],
    ['weir_stream_group_members', { group: 'sg' }, 1],
    ['weir_stream_group_rebalances_total', { group: 'sg' }, 3], // join a, join b, leave b
    ...HTTP_REQUESTS.flatMap(([type, count]): Expected[] => [
      ['weir_request_duration_seconds_count', { transport: 'http', type }, count],
      ['weir_request_duration_seconds_bucket', { transport: 'http', type, le: '+Inf' }, count],
    ]),
    ['weir_request_duration_seconds_count', { transport: 'ws', type: 'produce' }, 1],
  ];
}

describe('metrics after a scripted scenario', () => {
  const fixture = useBroker();

  it('have exactly the values the scenario implies, midway and at the end', async () => {
    const run = await runMetricsScenario(fixture.broker);

    const midway: Expected[] = [
      ['weir_share_deliveries_total', g(), 6],
      ['weir_share_redeliveries_total', g(), 0],
      ['weir_share_lock_expirations_total', g(), 0],
      ['weir_share_acknowledgements_total', { ...g(), type: 'accept' }, 2],
      ['weir_share_acknowledgements_total', { ...g(), type: 'release' }, 1],
      ['weir_share_acknowledgements_total', { ...g(), type: 'reject' }, 1],
      ['weir_dead_lettered_records_total', { ...g(), reason: 'CLIENT_REJECT' }, 1],
      ['weir_dead_lettered_records_total', { ...g(), reason: 'DELIVERY_COUNT_EXCEEDED' }, 0],
      // start offset 2 (0 and 1 accepted); 2 available (released), 3 archived, 4 and 5 locked;
      // lag = 6 - 2 - 1 terminal; record 2 was appended at T1 and the clock is at T1 + 500 ms
      ...sharePartition(g(0), 3, { available: 1, acquired: 2, acknowledged: 0, archived: 1 }, 0.5),
      ['weir_dead_letter_topic_records', { topic: 'dlq.g.jobs', reason: 'CLIENT_REJECT' }, 1],
      ['weir_dead_letter_topic_oldest_age_seconds', { topic: 'dlq.g.jobs' }, 0.5],
      ['weir_retention_deleted_records_total', { topic: 'logs' }, 3],
      ['weir_group_retention_skipped_records_total', { group: 'audit', topic: 'logs' }, 3],
    ];
    const m = compare(run.midway, midway);
    expect(m.actual).toEqual(m.expected);

    const before = compare(run.beforeLeave, [
      ['weir_stream_group_members', { group: 'sg' }, 2],
      ['weir_stream_group_rebalances_total', { group: 'sg' }, 2],
    ]);
    expect(before.actual).toEqual(before.expected);
    expect([run.partitionOfA, run.partitionOfB].sort()).toEqual([0, 1]);

    const f = compare(run.final, finalExpectations(run));
    expect(f.actual).toEqual(f.expected);
  });

  it('checks a value for every metric the dashboard uses', async () => {
    const run = await runMetricsScenario(fixture.broker);
    const families = metricFamilies(run.final);
    const checked = new Set(finalExpectations(run).map(([name]) => familyOf(name, families)));
    const used = dashboardExpressions(loadDashboard()).flatMap(metricNamesIn);
    expect(used.length).toBeGreaterThan(0);
    expect(
      [...new Set(used.map((n) => familyOf(n, families)))].filter((n) => !checked.has(n)),
    ).toEqual([]);
  });
});
