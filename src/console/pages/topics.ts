import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { api } from '../api';
import { Sparkline } from '../chart';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { bytes, count, rate } from '../format';
import { histories, useLive } from '../live';
import type { PartitionView, TopicView } from '../types';

/** Records in a partition: the API's count when it gives one, else the offset span. */
export function recordsIn(p: PartitionView): number {
  return p.records ?? p.logEndOffset - p.logStartOffset;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Every topic: partitions, records, bytes and the produce rate seen across refreshes. */
export function TopicsPage(): VNode {
  const live = useLive(async () => {
    const answer = await api<{ topics: TopicView[] }>('GET', '/topics');
    const now = Date.now();
    for (const topic of answer.topics) {
      histories.topics.record(topic.name, now, sum(topic.partitions.map((p) => p.logEndOffset)));
    }
    return answer.topics;
  }, []);
  const topics = live.data;
  return html`<section>
    <${Heading} title="Topics" />
    <${ErrorNote} error=${live.error} />
    ${
      topics === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : topics.length === 0
          ? html`<p class="muted">No topics yet.</p>`
          : html`<table aria-label="Topics">
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partitions</th>
                  <th scope="col" class="num">Records</th>
                  <th scope="col" class="num">Bytes</th>
                  <th scope="col" class="num">Start offsets</th>
                  <th scope="col" class="num">End offsets</th>
                  <th scope="col" class="num">Produce rate</th>
                  <th scope="col">Recent rate</th>
                </tr>
              </thead>
              <tbody>
                ${topics.map((t) => {
                  const starts = t.partitions.map((p) => p.logStartOffset);
                  const ends = t.partitions.map((p) => p.logEndOffset);
                  const size = t.partitions.every((p) => p.bytes !== undefined)
                    ? sum(t.partitions.map((p) => p.bytes ?? 0))
                    : undefined;
                  return html`<tr key=${t.name}>
                    <th scope="row"><${PageLink} to=${route('topics', t.name)}>${t.name}<//></th>
                    <td class="num">${t.partitions.length}</td>
                    <td class="num">${count(sum(t.partitions.map(recordsIn)))}</td>
                    <td class="num">${bytes(size)}</td>
                    <td class="num">${offsetsText(starts)}</td>
                    <td class="num">${offsetsText(ends)}</td>
                    <td class="num">${rate(histories.topics.rate(t.name))}</td>
                    <td>
                      <${Sparkline}
                        values=${histories.topics.rates(t.name)}
                        label=${`Produce rate of ${t.name}`}
                      />
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`
    }
  </section>`;
}

/** Offsets of a few partitions in full, of many as a range. */
function offsetsText(offsets: number[]): string {
  if (offsets.length <= 4) return offsets.map((o) => count(o)).join(' · ');
  return `${count(Math.min(...offsets))} – ${count(Math.max(...offsets))}`;
}
