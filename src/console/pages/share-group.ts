import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, apiText, asApiError, path } from '../api';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { age, count } from '../format';
import { useLive } from '../live';
import { sumSamples } from '../metrics-text';
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
  // Redeliveries and dead-letter counts exist only as metrics; a token may lack them.
  const metrics = useLive(() => apiText('/metrics'), [props.group]);
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
              ${' '}${count(data.group.config.maxInFlightRecords)} records in
              flight${data.group.config.ordering === 'key' ? ', one at a time per key' : ''}.
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
            <h2>Per topic</h2>
            <${ErrorNote} error=${metrics.error} what="Reading /metrics" />
            <${TopicCounts} data=${data} metrics=${metrics.data} />
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

/** Per topic: redeliveries and dead-lettered records (metrics), the dead-letter topic now. */
function TopicCounts(props: { data: ShareGroupData; metrics: string | undefined }): VNode {
  const { group, deadLetters } = props.data;
  const metric = (name: string, topic: string): string =>
    props.metrics === undefined
      ? '–'
      : count(sumSamples(props.metrics, name, { group: group.group, topic }) ?? 0);
  return html`<table aria-label="Per topic">
    <thead>
      <tr>
        <th scope="col">Topic</th>
        <th scope="col" class="num">Redeliveries</th>
        <th scope="col" class="num">Dead-lettered</th>
        <th scope="col">Dead-letter topic</th>
        <th scope="col" class="num">Dead letters held</th>
        <th scope="col" class="num">Oldest dead letter</th>
      </tr>
    </thead>
    <tbody>
      ${group.topics.map((topic) => {
        const name = group.config.deadLetterTopics?.[topic] ?? group.config.deadLetterTopic;
        const held = deadLetters.find((t) => t.topic === name);
        return html`<tr key=${topic}>
          <th scope="row">${topic}</th>
          <td class="num">${metric('weir_share_redeliveries_total', topic)}</td>
          <td class="num">${metric('weir_dead_lettered_records_total', topic)}</td>
          <td>
            ${
              name === null
                ? 'none'
                : held
                  ? html`<${PageLink} to=${route('dead-letters', held.topic)}>${held.topic}<//>`
                  : name
            }
          </td>
          <td class="num">${count(held?.records ?? 0)}</td>
          <td class="num">${age(held?.oldestAgeMs)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
