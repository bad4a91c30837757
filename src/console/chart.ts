import { html } from 'htm/preact';
import type { VNode } from 'preact';

/**
 * A small inline SVG line chart of recent values (rates, lag), scaled from 0 to the largest
 * value; its accessible name says what it shows and the latest value.
 */
export function Sparkline(props: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}): VNode {
  const width = props.width ?? 120;
  const height = props.height ?? 28;
  // One sample draws as a level line.
  const values = props.values.length === 1 ? [props.values[0]!, props.values[0]!] : props.values;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`)
    .join(' ');
  const latest = props.values[props.values.length - 1];
  const title = `${props.label}: ${latest === undefined ? 'no samples yet' : latest.toFixed(1)}`;
  return html`<svg
    class="spark"
    role="img"
    aria-label=${title}
    width=${width}
    height=${height}
    viewBox=${`0 0 ${width} ${height}`}
  >
    <title>${title}</title>
    <line x1="0" y1=${height - 2} x2=${width} y2=${height - 2} class="spark-base" />
    ${values.length > 1 ? html`<polyline points=${points} class="spark-line" />` : null}
  </svg>`;
}
