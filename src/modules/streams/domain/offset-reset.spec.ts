import { resetOffset } from './offset-reset';

const bounds = { logStartOffset: 10, logEndOffset: 20 };

describe('offset reset', () => {
  it.each([
    ['moves to the log start for earliest', 'earliest', undefined, 10],
    ['moves to the log end for latest', 'latest', undefined, 20],
    ['moves to an offset inside the log', { offset: 12 }, undefined, 12],
    ['moves to the log end given as an offset', { offset: 20 }, undefined, 20],
    ['moves to the first record at or after a timestamp', { timestampMs: 5 }, 14, 14],
    ['moves to the log end when no record is that recent', { timestampMs: 5 }, undefined, 20],
  ] as const)('%s', (_label, to, atTimestamp, expected) => {
    expect(resetOffset(to, bounds, atTimestamp)).toEqual({ ok: true, offset: expected });
  });

  it.each([
    ['below the log start', 9],
    ['beyond the log end', 21],
  ])('refuses an offset %s', (_label, offset) => {
    const outcome = resetOffset({ offset }, bounds, undefined);
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.ok ? '' : outcome.message).toContain('[10, 20]');
  });
});
