import { exceedsJsonDepth } from './json-depth';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('exceedsJsonDepth', () => {
  it.each([
    ['a scalar', '42', 0, false],
    ['an empty object at depth 1', '{}', 1, false],
    ['an empty object with no depth allowed', '{}', 0, true],
    ['arrays nested exactly to the limit', nested(64), 64, false],
    ['arrays nested one past the limit', nested(65), 64, true],
    ['objects and arrays mixed', '{"a":[{"b":[1]}]}', 3, true],
    ['objects and arrays mixed within the limit', '{"a":[{"b":[1]}]}', 4, false],
    ['siblings, which do not add up', '[[1],[2],[3],{"a":{}}]', 3, false],
    ['siblings, the deepest of which counts', '[[1],[2],[3],{"a":{}}]', 2, true],
    ['10,000 levels', nested(10_000), 64, true],
  ])('judges %s', (_label, text, maxDepth, expected) => {
    expect(exceedsJsonDepth(text, maxDepth)).toBe(expected);
  });

  it('ignores brackets inside strings', () => {
    expect(exceedsJsonDepth(JSON.stringify({ v: '[[[[[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify(['{'.repeat(1000)]), 1)).toBe(false);
  });

  it('honours escaped quotes and backslashes inside strings', () => {
    const escapedQuote = JSON.stringify({ v: 'say "[[[[" twice' });
    expect(exceedsJsonDepth(escapedQuote, 1)).toBe(false);
    const trailingBackslash = JSON.stringify({ v: 'C:\\', w: [[[1]]] });
    expect(trailingBackslash).toContain('\\\\"');
    expect(exceedsJsonDepth(trailingBackslash, 3)).toBe(true);
    expect(exceedsJsonDepth(trailingBackslash, 4)).toBe(false);
  });

  it('counts the depth JSON.parse would build', () => {
    const value = { a: [{ b: { c: ['x', { d: [] }] } }] };
    expect(exceedsJsonDepth(JSON.stringify(value), 7)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify(value), 6)).toBe(true);
  });
});
