import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, path } from '../api';
import { Sparkline } from '../chart';
import { ErrorNote, Heading, Loading, PageLink } from '../components';
import { age, bytes, count, rate } from '../format';
import { History, useLive } from '../live';
import type { TopicView } from '../types';
import { ProduceForm } from './produce-form';
import { RecordBrowser } from './record-browser';
import { recordsIn } from './topics';

const partitionHistory = new History();

/** One topic: its partitions (live), a record browser and a form to produce a test record. */
export function TopicPage(props: { topic: string }): VNode {
  const live = useLive(async () => {
    const topic = await api<TopicView>('GET', path('topics', props.topic));
    const now = Date.now();
    for (const p of topic.partitions) {
      partitionHistory.record(`${topic.name}/${p.partition}`, now, p.logEndOffset);
    }
    return topic;
  }, [props.topic]);
  const [produced, setProduced] = useState(0);
  const topic = live.data;
  return html`<section>
    <${Heading} title=${`Topic ${props.topic}`}>
      <${PageLink} to="/topics">All topics<//>
    <//>
    <${ErrorNote} error=${live.error} />
    ${
      topic === undefined
        ? live.error
          ? null
          : html`<${Loading} />`
        : html`<table aria-label="Partitions">
              <thead>
                <tr>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Start offset</th>
                  <th scope="col" class="num">End offset</th>
                  <th scope="col" class="num">Records</th>
                  <th scope="col" class="num">Bytes</th>
                  <th scope="col" class="num">Produce rate</th>
                  <th scope="col">Recent rate</th>
                </tr>
              </thead>
              <tbody>
                ${topic.partitions.map((p) => {
                  const key = `${topic.name}/${p.partition}`;
                  return html`<tr key=${p.partition}>
                    <th scope="row" class="num">${p.partition}</th>
                    <td class="num">${count(p.logStartOffset)}</td>
                    <td class="num">${count(p.logEndOffset)}</td>
                    <td class="num">${count(recordsIn(p))}</td>
                    <td class="num">${bytes(p.bytes)}</td>
                    <td class="num">${rate(partitionHistory.rate(key))}</td>
                    <td>
                      <${Sparkline}
                        values=${partitionHistory.rates(key)}
                        label=${`Produce rate of partition ${p.partition}`}
                      />
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>
            <p class="muted">${retentionText(topic)}</p>
            <${RecordBrowser} topic=${topic} key=${produced} />
            <${ProduceForm}
              topic=${topic}
              onProduced=${() => {
                setProduced((n) => n + 1);
                void live.refresh();
              }}
            />`
    }
  </section>`;
}

function retentionText(topic: TopicView): string {
  const { retentionMs, retentionBytes, maxMessageBytes } = topic.config;
  const time = retentionMs < 0 ? 'forever' : `for ${age(retentionMs)}`;
  const size = retentionBytes < 0 ? '' : `, at most ${bytes(retentionBytes)} per partition`;
  return `Records are kept ${time}${size}; the largest record is ${bytes(maxMessageBytes)}.`;
}
