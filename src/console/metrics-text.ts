/**
 * The sum of the samples of metric `name` whose labels include `labels`, in a Prometheus text
 * exposition (`GET /metrics`); undefined when there is none.
 */
export function sumSamples(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const found = new Map<string, string>();
    for (const label of (match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(
        label[1]!,
        label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
      );
    }
    if (!Object.entries(labels).every(([k, v]) => found.get(k) === v)) continue;
    total = (total ?? 0) + Number(match[2]);
  }
  return total;
}
