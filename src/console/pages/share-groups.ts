import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { api } from '../api';
import { Sparkline } from '../chart';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { age, count } from '../format';
import { histories, useLive } from '../live';
import type { ShareGroupSummary } from '../types';

/** Every share group: lag, acquired, available, oldest available age (live, lag charted). */
export function ShareGroupsPage(): VNode {
  const live = useLive(async () => {
    const answer = await api<{ groups: ShareGroupSummary[] }>('GET', '/queues/groups');
    const now = Date.now();
    for (const g of answer.groups) histories.shareLag.record(g.group, now, g.lag);
    return answer.groups;
  }, []);
  const groups = live.data;
  return html`<section>
    <${Heading} title="Share groups" />
    <${ErrorNote} error=${live.error} />
    ${
      groups === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : groups.length === 0
          ? html`<p class="muted">No share groups yet.</p>`
          : html`<table aria-label="Share groups">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Topics</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col" class="num">Acquired</th>
                  <th scope="col" class="num">Available</th>
                  <th scope="col" class="num">Oldest available</th>
                  <th scope="col">Recent lag</th>
                </tr>
              </thead>
              <tbody>
                ${groups.map(
                  (g) =>
                    html`<tr key=${g.group}>
                      <th scope="row">
                        <${PageLink} to=${route('share-groups', g.group)}>${g.group}<//>
                      </th>
                      <td>${g.topics.join(', ')}</td>
                      <td class="num">${count(g.lag)}</td>
                      <td class="num">${count(g.acquired)}</td>
                      <td class="num">${count(g.available)}</td>
                      <td class="num">${age(g.oldestAvailableAgeMs)}</td>
                      <td>
                        <${Sparkline}
                          values=${histories.shareLag.values(g.group)}
                          label=${`Lag of ${g.group}`}
                        />
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}
