import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, asApiError, path } from '../api';
import { ErrorNote, Heading, PageLink } from '../components';
import { count } from '../format';
import type { RecordPage, RecordView, TopicView } from '../types';
import { DeadLetterRecords } from './dead-letter-records';
import { PurgeForm } from './purge-form';
import { RedriveForm } from './redrive-form';
import { PAGE_SIZES } from './record-browser';

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

/** The records of every partition in [from, to): what Redrive and its preview act on. */
export interface DeadLetterRange {
  from: number;
  to: number;
  records: RecordView[];
}

/**
 * One dead-letter topic: a page of its records with their lineage, Redrive (of the offsets on
 * the page, with a preview) and Purge.
 */
export function DeadLetterTopicPage(props: { topic: string }): VNode {
  const [offsetText, setOffsetText] = useState('');
  const [pageSize, setPageSize] = useState<number>(50);
  const [range, setRange] = useState<DeadLetterRange | undefined>(undefined);
  const [bounds, setBounds] = useState<{ start: number; end: number } | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [version, setVersion] = useState(0);

  const load = async (offset: number | undefined): Promise<void> => {
    try {
      const topic = await api<TopicView>('GET', path('topics', props.topic));
      const start = Math.min(...topic.partitions.map((p) => p.logStartOffset));
      const end = Math.max(...topic.partitions.map((p) => p.logEndOffset));
      const from = Math.max(offset ?? start, start);
      const to = Math.min(from + pageSize, end);
      const pages = await Promise.all(
        topic.partitions
          .filter((p) => p.logEndOffset > Math.max(from, p.logStartOffset))
          .map((p) => {
            const first = Math.max(from, p.logStartOffset);
            const query = `partition=${p.partition}&offset=${first}&maxRecords=${Math.max(1, to - first)}`;
            return api<RecordPage>('GET', `${path('dlq', props.topic, 'records')}?${query}`);
          }),
      );
      const records = pages
        .flatMap((page) => page.records)
        .filter((r) => r.offset < to)
        .sort((a, b) => a.offset - b.offset || a.partition - b.partition);
      setRange({ from, to: Math.max(to, from), records });
      setBounds({ start, end });
      setError(undefined);
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  useEffect(() => {
    void load(offsetText === '' ? undefined : Number(offsetText));
  }, [props.topic, pageSize, version]);

  const changed = (): void => setVersion((n) => n + 1);
  return html`<section>
    <${Heading} title=${`Dead letters ${props.topic}`}>
      <${PageLink} to="/dead-letters">All dead-letter topics<//>
    <//>
    <form
      class="row"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        void load(offsetText === '' ? undefined : Number(offsetText));
      }}
    >
      <label>
        From offset
        <input
          type="number"
          min="0"
          value=${offsetText}
          placeholder="log start"
          onInput=${(e: Event) => setOffsetText(inputValue(e))}
        />
      </label>
      <label>
        Page size
        <select value=${pageSize} onChange=${(e: Event) => setPageSize(Number(inputValue(e)))}>
          ${PAGE_SIZES.map((n) => html`<option value=${n}>${n}</option>`)}
        </select>
      </label>
      <button type="submit">Read</button>
      ${
        range && bounds
          ? html`<button
              type="button"
              disabled=${range.to >= bounds.end}
              onClick=${() => {
                setOffsetText(String(range.to));
                void load(range.to);
              }}
            >
              Next page
            </button>`
          : null
      }
    </form>
    <${ErrorNote} error=${error} what="Reading dead letters" />
    ${
      range && bounds
        ? html`<p class="muted">
              Offsets ${count(range.from)} to ${count(range.to - 1)}; the topic holds offsets
              ${' '}${count(bounds.start)} – ${count(bounds.end)}.
            </p>
            <${DeadLetterRecords} records=${range.records} />
            <${RedriveForm} topic=${props.topic} range=${range} onDone=${changed} />
            <${PurgeForm}
              key=${range.to}
              topic=${props.topic}
              suggested=${range.to}
              start=${bounds.start}
              onDone=${changed}
            />`
        : null
    }
  </section>`;
}
