import request from 'supertest';
import {
  dashboardExpressions,
  familyOf,
  loadDashboard,
  metricFamilies,
  metricNamesIn,
} from '../support/grafana-dashboard';
import { FakeClock } from '../support/fake-clock';
import { runMetricsScenario } from '../support/metrics-scenario';
import { validateOpenApi } from '../support/openapi-validate';
import { sample } from '../support/prometheus-sample';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('operator documents', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  /** Every route Fastify registered, seen by an onRoute hook added before the app initialised. */
  const served: Array<{ method: string; url: string }> = [];

  beforeEach(async () => {
    served.length = 0;
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new FakeClock(), (app) => {
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) served.push({ method, url: route.url });
        });
    });
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  describe('the metric name extraction', () => {
    it('finds selected names, histogram series and __name__ alternatives, not label values', () => {
      expect(
        metricNamesIn(
          'histogram_quantile(0.99, sum by (le) (rate(weir_a_seconds_bucket{topic="weir_x"}[5m])))',
        ),
      ).toEqual(['weir_a_seconds_bucket']);
      expect(metricNamesIn('label_values({__name__=~"weir_b|weir_c"}, group)')).toEqual([
        'weir_b',
        'weir_c',
      ]);
      expect(metricNamesIn('weir_d + on(group) weir_e')).toEqual(['weir_d', 'weir_e']);
      const families = new Map([
        ['weir_a_seconds', 'histogram'],
        ['weir_f_count', 'gauge'],
      ]);
      expect(familyOf('weir_a_seconds_bucket', families)).toBe('weir_a_seconds');
      expect(familyOf('weir_f_count', families)).toBe('weir_f_count');
    });
  });

  it('names in the Grafana dashboard only metrics that a real scrape exposes', async () => {
    const { final } = await runMetricsScenario(broker);
    const families = metricFamilies(final);
    const exprs = dashboardExpressions(loadDashboard());
    expect(exprs.length).toBeGreaterThan(15);
    const names = [...new Set(exprs.flatMap(metricNamesIn))].sort();
    for (const must of [
      'weir_stream_group_lag',
      'weir_share_group_lag',
      'weir_share_redeliveries_total',
      'weir_dead_lettered_records_total',
      'weir_request_duration_seconds_bucket',
    ]) {
      expect(names).toContain(must);
    }
    expect(names.filter((n) => !families.has(familyOf(n, families)))).toEqual([]);
    // the scenario creates a series in every family the dashboard selects
    const withoutSamples = names.filter((n) => {
      const family = familyOf(n, families);
      const series = families.get(family) === 'histogram' ? `${family}_bucket` : family;
      return sample(final, series) === undefined;
    });
    expect(withoutSamples).toEqual([]);
  });

  it('serves a valid OpenAPI 3 document that lists every route the app serves', async () => {
    const doc = (await request(broker.url).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toMatch(/^3\.0\./);
    const result = validateOpenApi(doc);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);

    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(operations))
        documented.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = served
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && r.url !== '*')
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((d) => !routes.includes(d))).toEqual([]);
  });

  it('validates the schemas inside the document, not only its outline', async () => {
    const doc = (await request(broker.url).get('/openapi.json').expect(200)).body;
    const broken = structuredClone(doc);
    broken.paths['/topics'].post.requestBody.content['application/json'].schema.type = 'strng';
    expect(validateOpenApi(broken).valid).toBe(false);
    const draft2020 = structuredClone(doc);
    draft2020.paths['/topics'].post.requestBody.content[
      'application/json'
    ].schema.properties.name.contentEncoding = 'base64';
    expect(validateOpenApi(draft2020).valid).toBe(false);
  });
});
