import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { api, path } from '../api';
import { ErrorNote, Heading, Loading, PageLink } from '../components';
import { count, plural } from '../format';
import { useLive } from '../live';
import type { StreamGroupView } from '../types';
import { ResetChoice, ResetForm } from './reset-form';

/** One stream group: members and their assignment, committed offset and lag per partition. */
export function StreamGroupPage(props: { group: string }): VNode {
  const live = useLive(
    () => api<StreamGroupView>('GET', path('streams', 'groups', props.group)),
    [props.group],
  );
  const group = live.data;
  const reset = async (choice: ResetChoice): Promise<string> => {
    const body = {
      topic: choice.topic,
      ...(choice.partition === undefined ? {} : { partitions: [choice.partition] }),
      to: choice.to,
    };
    await api('POST', path('streams', 'groups', props.group, 'offsets', 'reset'), body);
    await live.refresh();
    return `Group ${props.group} reset.`;
  };
  const topics = group ? [...new Set(group.partitions.map((p) => p.topic))] : [];
  return html`<section>
    <${Heading} title=${`Stream group ${props.group}`}>
      <${PageLink} to="/stream-groups">All stream groups<//>
    <//>
    <${ErrorNote} error=${live.error} />
    ${
      group === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : html`<p>Generation ${group.generation}, ${plural(group.members.length, 'member')}.</p>
            <h2>Members</h2>
            ${
              group.members.length === 0
                ? html`<p class="muted">No members.</p>`
                : html`<table aria-label="Members">
                    <thead>
                      <tr>
                        <th scope="col">Member</th>
                        <th scope="col">Assignment</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${group.members.map(
                        (m) =>
                          html`<tr key=${m.memberId}>
                            <th scope="row"><code>${m.memberId}</code></th>
                            <td>
                              ${m.assignment.map((a) => `${a.topic}/${a.partition}`).join(', ') || 'none'}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
            }
            <h2>Partitions</h2>
            <table aria-label="Committed offsets">
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Committed offset</th>
                  <th scope="col" class="num">Log end offset</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col">Member</th>
                </tr>
              </thead>
              <tbody>
                ${group.partitions.map(
                  (p) =>
                    html`<tr key=${`${p.topic}/${p.partition}`}>
                      <th scope="row">${p.topic}</th>
                      <td class="num">${p.partition}</td>
                      <td class="num">${count(p.committedOffset)}</td>
                      <td class="num">${count(p.logEndOffset)}</td>
                      <td class="num">${count(p.lag)}</td>
                      <td>${p.memberId ? html`<code>${p.memberId}</code>` : 'none'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <${ResetForm}
              group=${props.group}
              topics=${topics}
              anyTopic=${false}
              partitionsOf=${(topic: string) =>
                group.partitions.filter((p) => p.topic === topic).map((p) => p.partition)}
              onReset=${reset}
            />`
    }
  </section>`;
}
