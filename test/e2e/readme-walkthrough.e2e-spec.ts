/**
 * Runs the README's shell blocks in order against a fresh broker, as a new user would.
 *
 * The convention (parsed by test/support/readme-walkthrough.ts):
 * - every fenced block names its language; `sh` and `bash` blocks are steps and run in order, in
 *   one shell session (variables carry over), from the repository's root, with
 *   `set -euo pipefail`: every command must succeed;
 * - `<!-- walkthrough: skip (reason) -->` right before a shell block: it cannot run here (another
 *   broker, other software, a command that never ends); the reason is required;
 * - `<!-- walkthrough: fails CODE -->` right before a shell block: it must fail, and its output
 *   must name the error code;
 * - an untagged block, an unknown marker or a marker not followed by a shell block fails the test.
 *
 * The broker is `node dist/main.js` on a free loopback port with its own data directory; the
 * steps find it through `$WEIR` (the README's `WEIR=${WEIR:-http://127.0.0.1:8080}`) and
 * `$WEIR_URL`. `curl` runs with `--fail-with-body`, so an HTTP error status fails the step, as
 * a non-zero exit of any other command does. Each step has a deadline.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildBroker, startChildBroker } from '../support/child-broker';
import {
  parseWalkthrough,
  runShellStep,
  SHELL_LANGUAGES,
  WalkthroughBlock,
} from '../support/readme-walkthrough';
import { makeTempDir } from '../support/temp-dir';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const STEP_TIMEOUT_MS = 60_000;

let blocks: WalkthroughBlock[] = [];
let conventionError: unknown;
try {
  blocks = parseWalkthrough(README);
} catch (error) {
  conventionError = error;
}
const steps = blocks.filter((block) => SHELL_LANGUAGES.includes(block.language));

describe('the README walk-through', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: ChildBroker;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = makeTempDir('weir-readme-');
    broker = await startChildBroker(join(dir.path, 'data'));
    // `curl` that fails on an HTTP error status (and still prints the error body).
    const bin = join(dir.path, 'bin');
    mkdirSync(bin);
    const curl = execFileSync('bash', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh\nexec ${curl} --fail-with-body --show-error "$@"\n`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    env = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dir.path,
      LANG: 'C.UTF-8',
      WEIR: broker.url,
      WEIR_URL: broker.url,
    };
  }, 30_000);

  afterAll(async () => {
    broker?.process.kill('SIGTERM');
    await broker?.exited;
    dir?.remove();
  });

  it('follows the convention: every block has a language, every marker a shell block', () => {
    expect(conventionError).toBeUndefined();
    expect(steps.filter((step) => step.marker.kind !== 'skip').length).toBeGreaterThan(10);
  });

  it('needs curl and jq, as the README says', () => {
    for (const tool of ['curl', 'jq']) {
      expect(() => execFileSync('bash', ['-c', `command -v ${tool}`])).not.toThrow();
    }
  });

  const title = (step: WalkthroughBlock): string => {
    switch (step.marker.kind) {
      case 'run':
        return `README line ${step.line}: every command succeeds`;
      case 'fails':
        return `README line ${step.line}: fails with ${step.marker.code}, as the README says`;
      case 'skip':
        return `README line ${step.line}, not run here: ${step.marker.reason}`;
    }
  };

  for (const step of steps) {
    const { marker } = step;
    // a skipped block shows as skipped in the report, with its reason in the title
    const test = marker.kind === 'skip' ? it.skip : it;
    test(
      title(step),
      async () => {
        const result = await runShellStep(step.code, {
          cwd: ROOT,
          env,
          stateFile: join(dir.path, 'shell-state'),
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const report = `README line ${step.line}:\n${step.code}\n--- output ---\n${result.output}`;
        expect({ timedOut: result.timedOut, report }).toEqual({ timedOut: false, report });
        if (marker.kind === 'fails') {
          expect({ failed: result.status !== 0, report }).toEqual({ failed: true, report });
          expect(result.output).toContain(marker.code);
        } else {
          expect({ status: result.status, report }).toEqual({ status: 0, report });
        }
      },
      STEP_TIMEOUT_MS + 5_000,
    );
  }
});
