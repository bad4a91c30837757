import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Panel {
  targets?: Array<{ expr?: unknown }>;
  panels?: Panel[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ query?: unknown; definition?: unknown }> };
}

/** `deploy/grafana/weir.json`, parsed. */
export function loadDashboard(): Dashboard {
  const file = join(__dirname, '..', '..', 'deploy', 'grafana', 'weir.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and template queries. */
export function dashboardExpressions(dashboard: Dashboard): string[] {
  const found: string[] = [];
  const walk = (panels: readonly Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string') found.push(target.expr);
      }
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    const query = variable.query as string | { query?: unknown } | undefined;
    const text = typeof query === 'string' ? query : query?.query;
    if (typeof text === 'string' && text.length > 0) found.push(text);
    if (typeof variable.definition === 'string' && variable.definition.length > 0)
      found.push(variable.definition);
  }
  return found;
}

/**
 * The `weir_*` metric names an expression selects: identifiers followed by `{`, `[`, `)`, `,`,
 * whitespace or the end, plus the alternatives of a `__name__` matcher. Other string literals
 * (label values) are ignored.
 */
export function metricNamesIn(expr: string): string[] {
  const names: string[] = [];
  for (const m of expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)) {
    names.push(...m[1]!.split('|').filter((n) => n.startsWith('weir_')));
  }
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of withoutStrings.matchAll(/(?<![A-Za-z0-9_:])(weir_[A-Za-z0-9_:]*)(?=[{[),\s]|$)/g))
    names.push(m[1]!);
  return [...new Set(names)];
}

/** Metric families of a Prometheus text exposition (from `# TYPE` lines) with their types. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) families.set(m[1]!, m[2]!);
  }
  return families;
}

/** The family a selected name belongs to: `x_bucket`/`_sum`/`_count` of histogram `x` is `x`. */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && ['histogram', 'summary'].includes(families.get(m[1]!) ?? '')) return m[1]!;
  return name;
}
