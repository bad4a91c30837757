import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { api } from '../api';
import { Sparkline } from '../chart';
import { ErrorNote, Heading, Loading, PageLink, route } from '../components';
import { count } from '../format';
import { histories, useLive } from '../live';
import type { StreamGroupSummary } from '../types';

/** Every stream (consumer) group: generation, members, topics, lag (live, with a chart). */
export function StreamGroupsPage(): VNode {
  const live = useLive(async () => {
    const answer = await api<{ groups: StreamGroupSummary[] }>('GET', '/streams/groups');
    const now = Date.now();
    for (const g of answer.groups) histories.streamLag.record(g.group, now, g.lag);
    return answer.groups;
  }, []);
  const groups = live.data;
  return html`<section>
    <${Heading} title="Stream groups" />
    <${ErrorNote} error=${live.error} />
    ${
      groups === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : groups.length === 0
          ? html`<p class="muted">No stream groups yet.</p>`
          : html`<table aria-label="Stream groups">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" class="num">Generation</th>
                  <th scope="col" class="num">Members</th>
                  <th scope="col">Topics</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col">Recent lag</th>
                </tr>
              </thead>
              <tbody>
                ${groups.map(
                  (g) =>
                    html`<tr key=${g.group}>
                      <th scope="row">
                        <${PageLink} to=${route('stream-groups', g.group)}>${g.group}<//>
                      </th>
                      <td class="num">${g.generation}</td>
                      <td class="num">${g.members}</td>
                      <td>${g.topics.join(', ')}</td>
                      <td class="num">${count(g.lag)}</td>
                      <td>
                        <${Sparkline}
                          values=${histories.streamLag.values(g.group)}
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
