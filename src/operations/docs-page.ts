const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: unknown }> }
  >;
}

const isError = (status: string): boolean => /^[45]\d\d$/.test(status);

/** The operation's error statuses, each with the codes and meanings the document lists. */
function errorList(op: Operation): string {
  const errors = Object.entries(op.responses ?? {}).filter(([status]) => isError(status));
  if (errors.length === 0) return '';
  const items = errors
    .map(([status, r]) => `<li><b>${status}</b> ${escapeHtml(r.description ?? '')}</li>`)
    .join('');
  return `<details><summary>Errors</summary><ul>${items}</ul></details>`;
}

/**
 * A self-contained HTML page: the document's introduction (conventions and the WebSocket
 * protocol, as Markdown source), then every operation with its description, request and answer
 * schemas and error codes; no scripts and nothing fetched from elsewhere.
 */
export function renderDocsPage(document: object): string {
  const { paths, info } = document as {
    paths: Record<string, Record<string, Operation>>;
    info?: { description?: string };
  };
  const sections = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const body = op.requestBody?.content?.['application/json']?.schema;
      const success = Object.entries(op.responses ?? {}).find(
        ([status]) => !isError(status) && status !== 'default',
      );
      const answer = success?.[1].content?.['application/json']?.schema;
      return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p><b>${escapeHtml(op.summary ?? '')}</b></p>
<p>${escapeHtml(op.description ?? '')}</p>
${body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ''}
${answer ? `<details><summary>Answer ${success?.[0]}</summary><pre>${escapeHtml(JSON.stringify(answer, null, 2))}</pre></details>` : ''}
${errorList(op)}
</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weir API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
.intro{white-space:pre-wrap;background:none}</style>
</head><body><h1>Weir API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
<pre class="intro">${escapeHtml(info?.description ?? '')}</pre>
${sections.join('\n')}
</body></html>`;
}
