import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, asApiError, path } from '../api';
import { ErrorNote } from '../components';
import type { TopicView } from '../types';

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

/** The value as the producer meant it: JSON when the text parses, else the text itself. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Produces one test record: key, value (JSON or text), headers, partition. */
export function ProduceForm(props: { topic: TopicView; onProduced: () => void }): VNode {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('{"test": true}');
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [result, setResult] = useState('');

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setResult('');
    const record: Record<string, unknown> = { value: parseValue(value) };
    if (key.length > 0) record.key = key;
    if (partition !== '') record.partition = Number(partition);
    if (headers.trim().length > 0) {
      try {
        record.headers = JSON.parse(headers) as unknown;
      } catch {
        setError(new ApiError(0, 'INVALID_HEADERS', 'Headers must be a JSON object of strings'));
        return;
      }
    }
    try {
      const answer = await api<{ offsets: Array<{ partition: number; offset: number }> }>(
        'POST',
        path('topics', props.topic.name, 'records'),
        { records: [record] },
      );
      const at = answer.offsets[0];
      setError(undefined);
      setResult(at ? `Produced to partition ${at.partition} at offset ${at.offset}.` : '');
      props.onProduced();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return html`<section aria-label="Produce a test record">
    <h2>Produce a test record</h2>
    <form class="stack" onSubmit=${(e: Event) => void submit(e)}>
      <div class="row">
        <label>
          Key
          <input value=${key} placeholder="none" onInput=${(e: Event) => setKey(inputValue(e))} />
        </label>
        <label>
          Produce to partition
          <select value=${partition} onChange=${(e: Event) => setPartition(inputValue(e))}>
            <option value="">by key</option>
            ${props.topic.partitions.map(
              (p) => html`<option value=${p.partition}>${p.partition}</option>`,
            )}
          </select>
        </label>
      </div>
      <label>
        Value (JSON, or text)
        <textarea rows="3" value=${value} onInput=${(e: Event) => setValue(inputValue(e))} />
      </label>
      <label>
        Headers (JSON object, optional)
        <input
          value=${headers}
          placeholder='{"trace-id": "abc"}'
          onInput=${(e: Event) => setHeaders(inputValue(e))}
        />
      </label>
      <div><button type="submit">Produce</button></div>
    </form>
    <${ErrorNote} error=${error} what="Producing" />
    ${result ? html`<p role="status">${result}</p>` : null}
  </section>`;
}
