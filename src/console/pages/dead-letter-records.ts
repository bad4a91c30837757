import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { count, time } from '../format';
import { LINEAGE } from '../lineage';
import { DataCell, HeadersCell } from '../records-table';
import type { RecordView } from '../types';

const LINEAGE_NAMES = new Set<string>(Object.values(LINEAGE));

/** Dead-letter records with their lineage in columns and the other headers beside. */
export function DeadLetterRecords(props: { records: RecordView[] }): VNode {
  if (props.records.length === 0) return html`<p class="muted">No records in this range.</p>`;
  return html`<table aria-label="Dead-letter records" class="records">
    <thead>
      <tr>
        <th scope="col" class="num">Offset</th>
        <th scope="col">Source</th>
        <th scope="col">Group</th>
        <th scope="col">Reason</th>
        <th scope="col" class="num">Deliveries</th>
        <th scope="col">Error</th>
        <th scope="col">Dead-lettered at (UTC)</th>
        <th scope="col">Key</th>
        <th scope="col">Value</th>
        <th scope="col">Other headers</th>
      </tr>
    </thead>
    <tbody>
      ${props.records.map((r) => {
        const h = r.headers;
        const at = Number(h[LINEAGE.deadLetteredAt]);
        const others = Object.fromEntries(
          Object.entries(h).filter(([name]) => !LINEAGE_NAMES.has(name)),
        );
        return html`<tr key=${`${r.partition}/${r.offset}`}>
          <td class="num">${count(r.offset)}</td>
          <td>
            ${h[LINEAGE.sourceTopic] ?? '?'}/${h[LINEAGE.sourcePartition] ?? '?'}/${h[LINEAGE.sourceOffset] ?? '?'}
          </td>
          <td>${h[LINEAGE.group] ?? ''}</td>
          <td>${h[LINEAGE.reason] ?? ''}</td>
          <td class="num">${h[LINEAGE.deliveryCount] ?? ''}</td>
          <td>${h[LINEAGE.error] ?? ''}</td>
          <td>${Number.isFinite(at) ? time(at) : (h[LINEAGE.deadLetteredAt] ?? '')}</td>
          <${DataCell} text=${r.key} base64=${r.keyBase64} />
          <${DataCell} text=${r.value} base64=${r.valueBase64} />
          <${HeadersCell} headers=${others} />
        </tr>`;
      })}
    </tbody>
  </table>`;
}
