import type { DeadLetterRow, DeadLetterSummary } from './rows';
import type { AppendRecord } from './log-storage';

/** A dead-letter record to redrive: where it is, and the copy to append where it goes. */
export interface RedriveItem {
  from: { topicId: number; partition: number; offset: number };
  to: { topicId: number; partition: number };
  record: AppendRecord;
}

/** The index of dead-letter records, and redrive. */
export interface DeadLetterStorage {
  /** Counts and oldest time by topic and reason, over records at or above each log start. */
  summaries(): Promise<DeadLetterSummary[]>;

  /** Index rows of one partition with `from <= offset < to`, in offset order. */
  range(topicId: number, partition: number, from: number, to: number): Promise<DeadLetterRow[]>;

  /**
   * Marks each item redriven and appends its copy, in one transaction; an item already
   * redriven appends nothing and answers null (so a repeated redrive does not duplicate).
   */
  redrive(items: readonly RedriveItem[], atMs: number): Promise<Array<number | null>>;
}
