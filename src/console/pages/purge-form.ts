import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, asApiError, path } from '../api';
import { ErrorNote } from '../components';
import { count } from '../format';

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

/** Deletes the dead-letter records below an offset (every partition), after a confirmation. */
export function PurgeForm(props: {
  topic: string;
  /** The offset offered first: the end of the page shown. */
  suggested: number;
  start: number;
  onDone: () => void;
}): VNode {
  const [beforeText, setBeforeText] = useState(String(props.suggested));
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [result, setResult] = useState('');
  const before = Number(beforeText);

  const purge = async (): Promise<void> => {
    setConfirming(false);
    try {
      const answer = await api<{ purged: number }>('POST', path('dlq', props.topic, 'purge'), {
        beforeOffset: before,
      });
      setError(undefined);
      setResult(`Purged ${answer.purged} records.`);
      props.onDone();
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return html`<section aria-label="Purge">
    <h2>Purge</h2>
    <div class="row">
      <label>
        Before offset
        <input
          type="number"
          min="0"
          value=${beforeText}
          onInput=${(e: Event) => setBeforeText(inputValue(e))}
        />
      </label>
      <button
        type="button"
        class="danger"
        disabled=${!Number.isInteger(before) || before <= props.start}
        onClick=${() => setConfirming(true)}
      >
        Purge
      </button>
    </div>
    ${
      confirming
        ? html`<div class="confirm panel" role="alertdialog" aria-label="Confirm purge">
            <p>
              Delete every record of ${props.topic} below offset ${count(before)} (from
              ${' '}${count(props.start)}), in every partition? This cannot be undone.
            </p>
            <button type="button" class="danger" onClick=${() => void purge()}>
              Confirm purge
            </button>
            <button type="button" onClick=${() => setConfirming(false)}>Cancel</button>
          </div>`
        : null
    }
    <${ErrorNote} error=${error} what="Purge" />
    ${result ? html`<p role="status">${result}</p>` : null}
  </section>`;
}
