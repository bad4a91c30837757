import { startingOffset } from './position';

const bounds = { logStartOffset: 10, logEndOffset: 20 };

describe('starting offset', () => {
  it.each([
    ['resumes at the committed offset', 15, 'latest', 15],
    ['resumes at a committed offset equal to the log end', 20, 'earliest', 20],
    ['starts at the log start when retention deleted the committed offset', 3, 'latest', 10],
    ['starts at the log end when the committed offset is beyond it', 25, 'earliest', 20],
    ['starts at the log start with no committed offset and earliest', undefined, 'earliest', 10],
    ['starts at the log end with no committed offset and latest', undefined, 'latest', 20],
  ] as const)('%s', (_label, committed, reset, expected) => {
    expect(startingOffset(committed, reset, bounds)).toBe(expected);
  });
});
