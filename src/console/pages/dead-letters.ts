import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { api } from '../api';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { age, count } from '../format';
import { useLive } from '../live';
import type { DeadLetterTopicSummary } from '../types';

/** The reasons the broker dead-letters for, in the order the table shows them. */
export const REASONS = ['CLIENT_REJECT', 'DELIVERY_COUNT_EXCEEDED'] as const;

/** Every dead-letter topic: records, counts by reason, oldest age. */
export function DeadLettersPage(): VNode {
  const live = useLive(
    async () => (await api<{ topics: DeadLetterTopicSummary[] }>('GET', '/dlq')).topics,
    [],
  );
  const topics = live.data;
  return html`<section>
    <${Heading} title="Dead letters" />
    <${ErrorNote} error=${live.error} />
    ${
      topics === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : topics.length === 0
          ? html`<p class="muted">No dead-letter topics.</p>`
          : html`<table aria-label="Dead-letter topics">
              <thead>
                <tr>
                  <th scope="col">Dead-letter topic</th>
                  <th scope="col" class="num">Records</th>
                  ${REASONS.map((r) => html`<th scope="col" class="num">${r}</th>`)}
                  <th scope="col" class="num">Oldest</th>
                </tr>
              </thead>
              <tbody>
                ${topics.map(
                  (t) =>
                    html`<tr key=${t.topic}>
                      <th scope="row">
                        <${PageLink} to=${route('dead-letters', t.topic)}>${t.topic}<//>
                      </th>
                      <td class="num">${count(t.records)}</td>
                      ${REASONS.map((r) => html`<td class="num">${count(t.byReason[r] ?? 0)}</td>`)}
                      <td class="num">${age(t.oldestAgeMs)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}
