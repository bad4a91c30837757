import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWalkthrough, runShellStep } from './readme-walkthrough';
import { makeTempDir } from './temp-dir';

const fence = '```';

describe('the README walk-through convention', () => {
  it('runs shell blocks by default, and reads skip and fails markers with their reason or code', () => {
    const blocks = parseWalkthrough(
      [
        `${fence}sh`,
        'echo one',
        fence,
        '<!-- walkthrough: skip (starts a second broker) -->',
        '',
        `${fence}bash`,
        'npm start',
        fence,
        '<!-- walkthrough: fails TOPIC_ALREADY_EXISTS -->',
        `${fence}sh`,
        'curl -s -XPOST $WEIR/topics',
        fence,
        `${fence}json`,
        '{ "type": "produce" }',
        fence,
      ].join('\n'),
    );
    expect(blocks.map((b) => [b.line, b.language, b.marker])).toEqual([
      [1, 'sh', { kind: 'run' }],
      [6, 'bash', { kind: 'skip', reason: 'starts a second broker' }],
      [10, 'sh', { kind: 'fails', code: 'TOPIC_ALREADY_EXISTS' }],
      [13, 'json', { kind: 'run' }],
    ]);
    expect(blocks[0]!.code).toBe('echo one');
  });

  it.each([
    ['a block without a language', `${fence}\nls\n${fence}`, /without a language/],
    [
      'a skip marker without a reason',
      `<!-- walkthrough: skip -->\n${fence}sh\nls\n${fence}`,
      /unknown walkthrough marker/,
    ],
    [
      'an unknown marker',
      `<!-- walkthrough: maybe -->\n${fence}sh\nls\n${fence}`,
      /unknown walkthrough marker/,
    ],
    [
      'a marker before a non-shell block',
      `<!-- walkthrough: skip (x y z) -->\n${fence}json\n{}\n${fence}`,
      /before a 'json' block/,
    ],
    [
      'a marker followed by prose',
      `<!-- walkthrough: skip (x y z) -->\ntext\n${fence}sh\nls\n${fence}`,
      /not directly before/,
    ],
    ['a marker at the end', `<!-- walkthrough: fails LOCK_LOST -->\n`, /without a shell block/],
    ['an unclosed block', `${fence}sh\nls\n`, /unclosed/],
  ])('refuses %s', (_name, markdown, message) => {
    expect(() => parseWalkthrough(markdown)).toThrow(message);
  });

  it('accepts the README as it is', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(parseWalkthrough(readme).some((b) => b.marker.kind === 'fails')).toBe(true);
  });
});

describe('a walk-through step', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  const run = (code: string, timeoutMs = 10_000) =>
    runShellStep(code, {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '' },
      stateFile: join(dir.path, 'state'),
      timeoutMs,
    });

  it('keeps the variables one step sets for the next, exported ones exported', async () => {
    expect(await run('ID=$(echo abc)\nexport URL=http://x')).toMatchObject({ status: 0 });
    const next = await run('echo "$ID"; bash -c \'echo "$URL"\'');
    expect(next).toMatchObject({ status: 0, output: 'abc\nhttp://x\n' });
  });

  it('fails when any command fails, a failing pipeline stage or an unset variable included', async () => {
    expect((await run('false\necho after')).status).not.toBe(0);
    expect((await run('false | cat')).status).not.toBe(0);
    expect((await run('echo "$NOT_SET"')).status).not.toBe(0);
    expect((await run('echo fine')).status).toBe(0);
  });

  it('kills a step that passes its deadline', async () => {
    const result = await run('sleep 30', 200);
    expect(result.timedOut).toBe(true);
    expect(result.status).not.toBe(0);
  });
});
