import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { count, prettyValue, time } from './format';
import type { RecordView } from './types';

/** A key or value cell: JSON pretty-printed, binary as base64 (and said so), null as null. */
export function DataCell(props: { text?: unknown; base64?: string }): VNode {
  if (props.base64 !== undefined) {
    return html`<td><span class="tag">base64</span> <code class="wrap">${props.base64}</code></td>`;
  }
  if (props.text === undefined) return html`<td class="muted">null</td>`;
  return html`<td><pre>${prettyValue(props.text)}</pre></td>`;
}

export function HeadersCell(props: { headers: Record<string, string> }): VNode {
  const entries = Object.entries(props.headers);
  if (entries.length === 0) return html`<td class="muted">none</td>`;
  return html`<td>
    <dl class="headers">
      ${entries.map(
        ([name, value]) =>
          html`<dt>${name}</dt>
            <dd>${value}</dd>`,
      )}
    </dl>
  </td>`;
}

/** A page of records: offset, time, key, value, headers. */
export function RecordsTable(props: { records: RecordView[]; label: string }): VNode {
  if (props.records.length === 0) return html`<p class="muted">No records at this offset.</p>`;
  return html`<table aria-label=${props.label} class="records">
    <thead>
      <tr>
        <th scope="col" class="num">Offset</th>
        <th scope="col">Timestamp (UTC)</th>
        <th scope="col">Key</th>
        <th scope="col">Value</th>
        <th scope="col">Headers</th>
      </tr>
    </thead>
    <tbody>
      ${props.records.map(
        (r) =>
          html`<tr key=${r.offset}>
            <td class="num">${count(r.offset)}</td>
            <td>${time(r.timestampMs)}</td>
            <${DataCell} text=${r.key} base64=${r.keyBase64} />
            <${DataCell} text=${r.value} base64=${r.valueBase64} />
            <${HeadersCell} headers=${r.headers} />
          </tr>`,
      )}
    </tbody>
  </table>`;
}
