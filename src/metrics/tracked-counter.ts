import { Counter, CounterConfiguration } from 'prom-client';

type Labels<L extends string> = Record<L, string>;

/**
 * A counter that remembers its label sets, so that a series can be made to exist at 0 before
 * its first event and every series of a deleted topic or group can be removed (prom-client
 * removes only by a complete label set).
 */
export class TrackedCounter<L extends string> {
  private readonly counter: Counter<L>;
  private readonly labelSets = new Map<string, Labels<L>>();

  constructor(configuration: CounterConfiguration<L> & { labelNames: readonly L[] }) {
    this.counter = new Counter(configuration);
  }

  inc(labels: Labels<L>, value = 1): void {
    this.remember(labels);
    this.counter.inc(labels, value);
  }

  /** Makes the series exist; a new one starts at 0, an existing one keeps its value. */
  touch(labels: Labels<L>): void {
    this.remember(labels);
    this.counter.inc(labels, 0);
  }

  /** Removes every series whose `label` has `value`; the label may not be one of this counter's. */
  removeWhere(label: string, value: string): void {
    for (const [key, labels] of this.labelSets) {
      if ((labels as Record<string, string>)[label] !== value) continue;
      this.counter.remove(labels);
      this.labelSets.delete(key);
    }
  }

  private remember(labels: Labels<L>): void {
    const key = JSON.stringify(labels, Object.keys(labels).sort());
    if (!this.labelSets.has(key)) this.labelSets.set(key, { ...labels });
  }
}
