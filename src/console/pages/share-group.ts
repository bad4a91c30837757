import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, asApiError, path } from '../api';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { age, count } from '../format';
import { useLive } from '../live';
import type { DeadLetterTopicSummary, ShareGroupView } from '../types';
import { ResetChoice, ResetForm } from './reset-form';

interface ShareGroupData {
  group: ShareGroupView;
  deadLetters: DeadLetterTopicSummary[];
}

/** One share group: records by state per partition, lag, oldest age, dead letters; reset, delete. */
export function ShareGroupPage(props: { group: string }): VNode {
  const live = useLive(async (): Promise<ShareGroupData> => {
    const [group, dlq] = await Promise.all([
      api<ShareGroupView>('GET', path('queues', 'groups', props.group)),
      api<{ topics: DeadLetterTopicSummary[] }>('GET', '/dlq'),
    ]);
    const names = new Set(
      Object.values(group.config.deadLetterTopics ?? {}).concat(group.config.deadLetterTopic),
    );
    return { group, deadLetters: dlq.topics.filter((t) => names.has(t.topic)) };
  }, [props.group]);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<ApiError | undefined>(undefined);

  const reset = async (choice: ResetChoice): Promise<string> => {
    const body =
      choice.topic === undefined ? { to: choice.to } : { topic: choice.topic, to: choice.to };
    await api('POST', path('queues', 'groups', props.group, 'reset'), body);
    await live.refresh();
    return `Group ${props.group} reset.`;
  };
  const remove = async (): Promise<void> => {
    try {
      await api('DELETE', path('queues', 'groups', props.group));
      window.location.hash = '#/share-groups';
    } catch (failure) {
      setDeleteError(asApiError(failure));
      setDeleting(false);
    }
  };

  const data = live.data;
  return html`<section>
    <${Heading} title=${`Share group ${props.group}`}>
      <${PageLink} to="/share-groups">All share groups<//>
    <//>
    <${ErrorNote} error=${live.error} />
    ${
      data === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : html`<p>
              Topics ${data.group.topics.join(', ')}; lock ${age(data.group.config.lockDurationMs)},
              ${' '}at most ${data.group.config.maxDeliveryCount} deliveries,
              ${' '}${count(data.group.config.maxInFlightRecords)} records in flight.
            </p>
            <table aria-label="Records by state">
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Start offset</th>
                  <th scope="col" class="num">End offset</th>
                  <th scope="col" class="num">Available</th>
                  <th scope="col" class="num">Acquired</th>
                  <th scope="col" class="num">Acknowledged</th>
                  <th scope="col" class="num">Archived</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col" class="num">Oldest available</th>
                </tr>
              </thead>
              <tbody>
                ${data.group.partitions.map(
                  (p) =>
                    html`<tr key=${`${p.topic}/${p.partition}`}>
                      <th scope="row">${p.topic}</th>
                      <td class="num">${p.partition}</td>
                      <td class="num">${count(p.startOffset)}</td>
                      <td class="num">${count(p.endOffset)}</td>
                      <td class="num">${count(p.available)}</td>
                      <td class="num">${count(p.acquired)}</td>
                      <td class="num">${count(p.acknowledged)}</td>
                      <td class="num">${count(p.archived)}</td>
                      <td class="num">${count(p.lag)}</td>
                      <td class="num">${age(p.oldestAvailableAgeMs)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <h2>Dead letters</h2>
            ${
              data.deadLetters.length === 0
                ? html`<p class="muted">No dead-lettered records.</p>`
                : html`<ul>
                    ${data.deadLetters.map(
                      (t) =>
                        html`<li>
                          <${PageLink} to=${route('dead-letters', t.topic)}>${t.topic}<//>:
                          ${' '}${count(t.records)} records, oldest ${age(t.oldestAgeMs)}
                        </li>`,
                    )}
                  </ul>`
            }
            <${ResetForm}
              group=${props.group}
              topics=${data.group.topics}
              anyTopic=${true}
              onReset=${reset}
            />
            <section aria-label="Delete group">
              <h2>Delete</h2>
              ${
                deleting
                  ? html`<div class="confirm panel" role="alertdialog" aria-label="Confirm delete">
                      <p>
                        Delete share group ${props.group}? Workers holding its records lose their
                        locks; its state is gone.
                      </p>
                      <button type="button" class="danger" onClick=${() => void remove()}>
                        Confirm delete
                      </button>
                      <button type="button" onClick=${() => setDeleting(false)}>Cancel</button>
                    </div>`
                  : html`<button type="button" class="danger" onClick=${() => setDeleting(true)}>
                      Delete group…
                    </button>`
              }
              <${ErrorNote} error=${deleteError} what="Delete" />
            </section>`
    }
  </section>`;
}
