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

  it('judges like a scan of every character, on generated texts with strings and escapes', () => {
    // the plain scan: inside a string a backslash skips the next character
    const reference = (text: string, maxDepth: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') {
          if (++depth > maxDepth) return true;
        } else if (c === '}' || c === ']') depth--;
      }
      return false;
    };
    const alphabet = ['[', ']', '{', '}', '"', '\\', 'a', ',', ':', '1'];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    let deep = 0;
    for (let n = 0; n < 5_000; n++) {
      const length = next() % 40;
      const text = Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
      const maxDepth = next() % 5;
      const expected = reference(text, maxDepth);
      if (expected) deep++;
      expect([text, maxDepth, exceedsJsonDepth(text, maxDepth)]).toEqual([
        text,
        maxDepth,
        expected,
      ]);
    }
    // both answers occur often
    expect(deep).toBeGreaterThan(500);
    expect(deep).toBeLessThan(4_500);
  });
});
