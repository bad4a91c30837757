import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, asApiError } from '../api';
import { ErrorNote } from '../components';
import type { ResetTarget } from '../types';

const KINDS = ['earliest', 'latest', 'offset', 'time'] as const;
type Kind = (typeof KINDS)[number];

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

export interface ResetChoice {
  topic: string | undefined;
  partition: number | undefined;
  to: ResetTarget;
}

function describe(choice: ResetChoice, group: string): string {
  const where =
    choice.topic === undefined
      ? 'every topic'
      : `topic ${choice.topic}${choice.partition === undefined ? '' : ` partition ${choice.partition}`}`;
  const to =
    typeof choice.to === 'string'
      ? `the ${choice.to} offset`
      : 'offset' in choice.to
        ? `offset ${choice.to.offset}`
        : `the first record at or after ${new Date(choice.to.timestampMs).toISOString()}`;
  return `Reset group ${group} on ${where} to ${to}?`;
}

/**
 * Chooses where a group moves (earliest, latest, an offset or a time), then asks for a
 * confirmation before calling `onReset`.
 */
export function ResetForm(props: {
  group: string;
  topics: string[];
  /** Topic may be left to "every topic" (share groups). */
  anyTopic: boolean;
  /** Partitions of a topic that may be chosen alone (stream groups), or none. */
  partitionsOf?: (topic: string) => number[];
  onReset: (choice: ResetChoice) => Promise<string>;
}): VNode {
  const [topic, setTopic] = useState(props.anyTopic ? '' : (props.topics[0] ?? ''));
  const [partition, setPartition] = useState('');
  const [kind, setKind] = useState<Kind>('earliest');
  const [amount, setAmount] = useState('');
  const [pending, setPending] = useState<ResetChoice | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [done, setDone] = useState('');

  const choose = (event: Event): void => {
    event.preventDefault();
    setDone('');
    let to: ResetTarget;
    if (kind === 'offset' || kind === 'time') {
      const number = kind === 'offset' ? Number(amount) : Date.parse(`${amount}Z`);
      if (amount === '' || !Number.isFinite(number)) {
        setError(new ApiError(0, 'INVALID_INPUT', `Give the ${kind} to reset to`));
        return;
      }
      to = kind === 'offset' ? { offset: number } : { timestampMs: number };
    } else {
      to = kind;
    }
    setError(undefined);
    setPending({
      topic: topic === '' ? undefined : topic,
      partition: partition === '' ? undefined : Number(partition),
      to,
    });
  };

  const confirm = async (): Promise<void> => {
    if (!pending) return;
    try {
      setDone(await props.onReset(pending));
      setError(undefined);
    } catch (failure) {
      setError(asApiError(failure));
    }
    setPending(undefined);
  };

  const partitions = topic !== '' && props.partitionsOf ? props.partitionsOf(topic) : [];
  return html`<section aria-label="Reset offsets">
    <h2>Reset</h2>
    <form class="row" onSubmit=${choose}>
      <label>
        Topic
        <select value=${topic} onChange=${(e: Event) => setTopic(inputValue(e))}>
          ${props.anyTopic ? html`<option value="">every topic</option>` : null}
          ${props.topics.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
      </label>
      ${
        props.partitionsOf
          ? html`<label>
              Partition
              <select value=${partition} onChange=${(e: Event) => setPartition(inputValue(e))}>
                <option value="">all</option>
                ${partitions.map((p) => html`<option value=${p}>${p}</option>`)}
              </select>
            </label>`
          : null
      }
      <label>
        Reset to
        <select value=${kind} onChange=${(e: Event) => setKind(inputValue(e) as Kind)}>
          ${KINDS.map((k) => html`<option value=${k}>${k}</option>`)}
        </select>
      </label>
      ${
        kind === 'offset'
          ? html`<label>
              Offset
              <input
                type="number"
                min="0"
                value=${amount}
                onInput=${(e: Event) => setAmount(inputValue(e))}
              />
            </label>`
          : kind === 'time'
            ? html`<label>
                Time (UTC)
                <input
                  type="datetime-local"
                  step="1"
                  value=${amount}
                  onInput=${(e: Event) => setAmount(inputValue(e))}
                />
              </label>`
            : null
      }
      <button type="submit">Reset…</button>
    </form>
    ${
      pending
        ? html`<div class="confirm panel" role="alertdialog" aria-label="Confirm reset">
            <p>${describe(pending, props.group)} Members move on their next poll.</p>
            <button type="button" class="danger" onClick=${() => void confirm()}>
              Confirm reset
            </button>
            <button type="button" onClick=${() => setPending(undefined)}>Cancel</button>
          </div>`
        : null
    }
    <${ErrorNote} error=${error} what="Reset" />
    ${done ? html`<p role="status">${done}</p>` : null}
  </section>`;
}
