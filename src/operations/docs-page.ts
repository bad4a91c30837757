const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/**
 * A self-contained HTML page listing every operation of the OpenAPI document with its request
 * and answer schemas; no scripts and nothing fetched from elsewhere.
 */
export function renderDocsPage(document: object): string {
  const paths = (document as { paths: Record<string, Record<string, Operation>> }).paths;
  const sections = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const body = op.requestBody?.content?.['application/json']?.schema;
      const success = Object.entries(op.responses ?? {}).find(([status]) => status !== 'default');
      const answer = success?.[1].content?.['application/json']?.schema;
      return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? '')}</p>
${body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ''}
${answer ? `<details><summary>Answer ${success?.[0]}</summary><pre>${escapeHtml(JSON.stringify(answer, null, 2))}</pre></details>` : ''}
</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weir API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto}</style>
</head><body><h1>Weir API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
${sections.join('\n')}
</body></html>`;
}
