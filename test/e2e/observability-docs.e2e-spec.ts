import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createBrokerApp } from '../../src/broker-app';
import { loadBrokerConfig } from '../../src/config/broker-config';
import { FakeClock } from '../support/fake-clock';
import { QueueClient } from '../support/queue-client';
import { validateOpenApi } from '../support/openapi-validate';
import { makeTempDir } from '../support/temp-dir';

interface Panel {
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every PromQL expression of a Grafana dashboard: panel targets and template queries. */
function expressions(dashboard: {
  panels: Panel[];
  templating: { list: Array<{ query?: unknown }> };
}): string[] {
  const found: string[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) found.push(t.expr);
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating.list) {
    const q = v.query as string | { query?: string } | undefined;
    const text = typeof q === 'string' ? q : q?.query;
    if (text?.includes('weir_')) found.push(text);
  }
  return found;
}

describe('operator documents', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let app: NestFastifyApplication;
  let url: string;
  const served: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    dir = makeTempDir();
    const config = loadBrokerConfig({ WEIR_LOG_LEVEL: 'silent', WEIR_DATA_DIR: dir.path });
    app = await createBrokerApp(config, new FakeClock());
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) served.push({ method, url: route.url });
      });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  it('names in the Grafana dashboard only metrics that a real scrape exposes', async () => {
    const q = new QueueClient(url);
    await q.produce('jobs', [{ value: 1 }]);
    const families = new Set(
      (await request(url).get('/metrics').expect(200)).text
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ')[2]!),
    );
    const dashboard = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'deploy', 'grafana', 'weir.json'), 'utf8'),
    );
    const exprs = expressions(dashboard);
    expect(exprs.length).toBeGreaterThan(15);
    const names = new Set(exprs.flatMap((e) => e.match(/weir_[a-z0-9_]+/g) ?? []));
    const base = (name: string) => {
      const stripped = name.replace(/_(bucket|sum|count)$/, '');
      return stripped !== name && families.has(stripped) ? stripped : name;
    };
    const unknown = [...names].map(base).filter((n) => !families.has(n));
    expect(unknown).toEqual([]);
    for (const must of [
      'weir_stream_group_lag',
      'weir_share_group_lag',
      'weir_share_redeliveries_total',
    ]) {
      expect(names.has(must)).toBe(true);
    }
  });

  it('serves a valid OpenAPI 3 document that lists every route the app serves', async () => {
    const doc = (await request(url).get('/openapi.json').expect(200)).body;
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
});
