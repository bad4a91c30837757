import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, asApiError, path } from '../api';
import { ErrorNote } from '../components';
import { count } from '../format';
import { redrivePreview } from '../lineage';
import type { DeadLetterRange } from './dead-letter-topic';
import { REASONS } from './dead-letters';

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

/**
 * Redrives the offsets of the page shown ([from, to) in every partition), optionally of one
 * reason, to the source topics or a target topic. The preview comes from the records on the page
 * and their lineage headers (the API has no dry run).
 */
export function RedriveForm(props: {
  topic: string;
  range: DeadLetterRange;
  onDone: () => void;
}): VNode {
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState('');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [result, setResult] = useState('');
  const preview = redrivePreview(
    props.range.records,
    reason === '' ? undefined : reason,
    target.trim() === '' ? undefined : target.trim(),
  );
  const total = preview.lines.reduce((sum, line) => sum + line.records, 0);

  const redrive = async (): Promise<void> => {
    setResult('');
    const body: Record<string, unknown> = {
      fromOffset: props.range.from,
      toOffset: props.range.to,
    };
    if (reason !== '') body.reason = reason;
    if (target.trim() !== '') body.targetTopic = target.trim();
    try {
      const answer = await api<{ redriven: number; skipped: number }>(
        'POST',
        path('dlq', props.topic, 'redrive'),
        body,
      );
      setError(undefined);
      setResult(`Redriven ${answer.redriven}, skipped ${answer.skipped} (already redriven).`);
      props.onDone();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return html`<section aria-label="Redrive">
    <h2>Redrive</h2>
    <div class="row">
      <label>
        Reason
        <select value=${reason} onChange=${(e: Event) => setReason(inputValue(e))}>
          <option value="">any</option>
          ${REASONS.map((r) => html`<option value=${r}>${r}</option>`)}
        </select>
      </label>
      <label>
        Target topic
        <input
          value=${target}
          placeholder="each record's source topic"
          onInput=${(e: Event) => setTarget(inputValue(e))}
        />
      </label>
    </div>
    <p>
      Redrive appends offsets ${count(props.range.from)} to ${count(props.range.to - 1)}
      ${' '}(every partition) once each, with a <code>weir-redrive-of</code> header:
    </p>
    <table aria-label="Redrive preview">
      <thead>
        <tr>
          <th scope="col">Appends to topic</th>
          <th scope="col">Partition</th>
          <th scope="col" class="num">Records</th>
        </tr>
      </thead>
      <tbody>
        ${preview.lines.map(
          (line) =>
            html`<tr key=${`${line.topic}/${line.partition ?? ''}`}>
              <th scope="row">${line.topic}</th>
              <td>${line.partition === undefined ? 'by key' : line.partition}</td>
              <td class="num">${count(line.records)}</td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td></td>
          <td class="num">${count(total)}</td>
        </tr>
      </tfoot>
    </table>
    <p class="muted">
      Records redriven before are skipped by the broker, so it may append fewer.
      ${preview.withoutSource > 0 ? ` ${preview.withoutSource} records have no source topic.` : ''}
    </p>
    <button type="button" disabled=${total === 0} onClick=${() => void redrive()}>Redrive</button>
    <${ErrorNote} error=${error} what="Redrive" />
    ${result ? html`<p role="status">${result}</p>` : null}
  </section>`;
}
