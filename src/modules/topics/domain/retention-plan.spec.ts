import { HeadRecord, planRetention } from './retention-plan';

const head = (timestamps: number[], size = 10, start = 0): HeadRecord[] =>
  timestamps.map((timestampMs, i) => ({ offset: start + i, timestampMs, sizeBytes: size }));

describe('planRetention', () => {
  it('deletes the contiguous prefix older than retentionMs', () => {
    const step = planRetention(head([100, 200, 900, 300]), 0, 40, 1000, {
      retentionMs: 500,
      retentionBytes: -1,
    });
    expect(step).toEqual({ newStartOffset: 2, bytesRemoved: 20, recordsRemoved: 2 });
  });

  it('keeps everything when retentionMs is -1 and there is no size limit', () => {
    const step = planRetention(head([0, 0]), 0, 20, 1e12, { retentionMs: -1, retentionBytes: -1 });
    expect(step.newStartOffset).toBe(0);
  });

  it('deletes from the head until the partition fits in retentionBytes', () => {
    const step = planRetention(head([1, 2, 3, 4, 5], 10, 10), 10, 50, 6, {
      retentionMs: -1,
      retentionBytes: 25,
    });
    expect(step).toEqual({ newStartOffset: 13, bytesRemoved: 30, recordsRemoved: 3 });
  });

  it('keeps a record exactly at the time cutoff', () => {
    const step = planRetention(head([500]), 0, 10, 1000, { retentionMs: 500, retentionBytes: -1 });
    expect(step.recordsRemoved).toBe(0);
  });
});
