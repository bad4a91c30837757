import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, asApiError } from '../api';
import { ErrorNote } from '../components';
import { count } from '../format';
import { offsetAtTime, partitionRecordsPath } from '../offset-at-time';
import { RecordsTable } from '../records-table';
import type { RecordPage, TopicView } from '../types';

export const PAGE_SIZES = [20, 50, 100, 500] as const;

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

/**
 * Reads one page of a partition at a time (never the whole partition), from an offset or from
 * the first record at or after a time.
 */
export function RecordBrowser(props: { topic: TopicView }): VNode {
  const partitions = props.topic.partitions;
  const [partition, setPartition] = useState(partitions[0]?.partition ?? 0);
  const [offsetText, setOffsetText] = useState('');
  const [timeText, setTimeText] = useState('');
  const [pageSize, setPageSize] = useState<number>(50);
  const [page, setPage] = useState<RecordPage | undefined>(undefined);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const readPath = partitionRecordsPath(props.topic.name, partition);

  const load = async (offset: number | undefined): Promise<void> => {
    try {
      const query = `maxRecords=${pageSize}${offset === undefined ? '' : `&offset=${offset}`}`;
      const answer = await api<RecordPage>('GET', `${readPath}?${query}`);
      setPage(answer);
      setFrom(offset ?? answer.logStartOffset);
      setError(undefined);
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  // Another partition starts at its log start; another page size keeps the first offset.
  useEffect(() => {
    setOffsetText('');
    void load(undefined);
  }, [partition]);
  useEffect(() => {
    if (from !== undefined) void load(from);
  }, [pageSize]);

  const read = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (timeText.length > 0) {
      const bounds = partitions.find((p) => p.partition === partition);
      const at = Date.parse(`${timeText}Z`);
      if (!bounds || Number.isNaN(at)) return;
      try {
        const found = await offsetAtTime(readPath, bounds.logStartOffset, bounds.logEndOffset, at);
        setOffsetText(String(found));
        setTimeText('');
        await load(found);
      } catch (failure) {
        setError(asApiError(failure));
      }
      return;
    }
    await load(offsetText.trim() === '' ? undefined : Number(offsetText));
  };

  return html`<section aria-label="Records">
    <h2>Records</h2>
    <form class="row" onSubmit=${(e: Event) => void read(e)}>
      <label>
        Partition
        <select value=${partition} onChange=${(e: Event) => setPartition(Number(inputValue(e)))}>
          ${partitions.map((p) => html`<option value=${p.partition}>${p.partition}</option>`)}
        </select>
      </label>
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
        or from time (UTC)
        <input
          type="datetime-local"
          step="1"
          value=${timeText}
          onInput=${(e: Event) => setTimeText(inputValue(e))}
        />
      </label>
      <label>
        Page size
        <select value=${pageSize} onChange=${(e: Event) => setPageSize(Number(inputValue(e)))}>
          ${PAGE_SIZES.map((n) => html`<option value=${n}>${n}</option>`)}
        </select>
      </label>
      <button type="submit">Read</button>
    </form>
    <${ErrorNote} error=${error} what="Reading records" />
    ${
      page
        ? html`<p class="muted">
              Offsets ${count(from)} to ${count(page.nextOffset - 1)} of
              ${' '}${count(page.logStartOffset)} – ${count(page.logEndOffset)}.
              <button
                type="button"
                disabled=${from === undefined || from <= page.logStartOffset}
                onClick=${() => void load(Math.max(page.logStartOffset, (from ?? 0) - pageSize))}
              >
                Previous page
              </button>
              <button
                type="button"
                disabled=${page.nextOffset >= page.logEndOffset}
                onClick=${() => void load(page.nextOffset)}
              >
                Next page
              </button>
            </p>
            <${RecordsTable}
              records=${page.records}
              label=${`Records of partition ${partition}`}
            />`
        : null
    }
  </section>`;
}
