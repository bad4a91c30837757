/** Plain-text formatting shared by the pages. */

const integer = new Intl.NumberFormat('en-US');

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : integer.format(n);
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '–';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A duration in the largest sensible unit: "850 ms", "12 s", "4 min", "3 h", "2 d". */
export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

export function rate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '–';
  return `${perSecond < 10 ? perSecond.toFixed(1) : integer.format(Math.round(perSecond))}/s`;
}

export function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A record value as text: JSON pretty-printed, strings as they are. */
export function prettyValue(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** "1 member", "3 members". */
export function plural(n: number, noun: string): string {
  return `${integer.format(n)} ${noun}${n === 1 ? '' : 's'}`;
}
