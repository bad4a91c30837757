import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/**
 * The README walk-through convention (test/e2e/readme-walkthrough.e2e-spec.ts runs it):
 *
 * - Every fenced code block of the README names its language (an untagged fence is an error,
 *   so that no shell block can hide from the test).
 * - A block tagged `sh` or `bash` is a walk-through step: it runs, in README order, against a
 *   fresh broker, and every command in it must succeed.
 * - `<!-- walkthrough: skip (reason) -->` on the line before a shell block says it cannot run
 *   in the test (it starts another broker, needs other software, never ends...); the reason is
 *   required.
 * - `<!-- walkthrough: fails CODE -->` on the line before a shell block says the block
 *   demonstrates a refusal: it must fail, and its output must name the error code `CODE`.
 * - Any other `walkthrough:` comment, or a marker that is not directly followed by a shell block,
 *   is an error.
 */
export type StepMarker =
  { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'fails'; code: string };

export interface WalkthroughBlock {
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  code: string;
  marker: StepMarker;
}

export const SHELL_LANGUAGES = ['sh', 'bash'];

const MARKER = /^<!--\s*walkthrough:\s*(.*?)\s*-->$/;

function parseMarker(text: string, line: number): StepMarker {
  const skip = /^skip\s+\((.+)\)$/.exec(text);
  if (skip) return { kind: 'skip', reason: skip[1]! };
  const fails = /^fails\s+([A-Z][A-Z_]+)$/.exec(text);
  if (fails) return { kind: 'fails', code: fails[1]! };
  throw new Error(
    `README line ${line}: unknown walkthrough marker '${text}' ` +
      '(use "skip (reason)" or "fails CODE")',
  );
}

/** Splits the README into its fenced blocks with their markers; throws on a broken convention. */
export function parseWalkthrough(markdown: string): WalkthroughBlock[] {
  const lines = markdown.split('\n');
  const blocks: WalkthroughBlock[] = [];
  let pending: { marker: StepMarker; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    const marker = MARKER.exec(text);
    if (marker) {
      if (pending) throw new Error(`README line ${pending.line}: marker without a shell block`);
      pending = { marker: parseMarker(marker[1]!, i + 1), line: i + 1 };
      continue;
    }
    const fence = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!fence) {
      if (pending && text !== '') {
        throw new Error(`README line ${pending.line}: marker not directly before a shell block`);
      }
      continue;
    }
    const language = fence[2]!.trim();
    if (language === '') throw new Error(`README line ${i + 1}: a code block without a language`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence[1]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README line ${start + 1}: unclosed code block`);
    const shell = SHELL_LANGUAGES.includes(language);
    if (pending && !shell) {
      throw new Error(`README line ${pending.line}: marker before a '${language}' block`);
    }
    blocks.push({
      line: start + 1,
      language,
      code: body.join('\n'),
      marker: pending?.marker ?? { kind: 'run' },
    });
    pending = undefined;
  }
  if (pending) throw new Error(`README line ${pending.line}: marker without a shell block`);
  return blocks;
}

export interface StepResult {
  status: number | null;
  output: string;
  timedOut: boolean;
}

/**
 * Runs one shell block with bash (`set -euo pipefail`) in `cwd`. Variables a block sets are kept
 * in `stateFile` (as `declare -p` lines) and restored before the next block, so the blocks
 * behave as one shell session. The process group is killed after `timeoutMs`.
 */
export function runShellStep(
  code: string,
  options: { cwd: string; env: Record<string, string>; stateFile: string; timeoutMs: number },
): Promise<StepResult> {
  const script = `${options.stateFile}.sh`;
  writeFileSync(
    script,
    [
      `__walkthrough_state=${JSON.stringify(options.stateFile)}`,
      `__walkthrough_before=" $(compgen -v | tr '\\n' ' ') "`,
      'if [ -f "$__walkthrough_state" ]; then source "$__walkthrough_state"; fi',
      'set -euo pipefail',
      code,
      'set +u',
      // Keep what this session set (the README's variables), not bash's own.
      'for __v in $(compgen -v); do',
      '  case "$__walkthrough_before" in *" $__v "*) continue;; esac',
      '  case "$__v" in __*|BASH*|PIPESTATUS|FUNCNAME|_) continue;; esac',
      '  declare -p "$__v"',
      'done > "$__walkthrough_state.next"',
      'mv "$__walkthrough_state.next" "$__walkthrough_state"',
      '',
    ].join('\n'),
  );
  return new Promise((resolve) => {
    const child = spawn('bash', [script], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output, timedOut });
    });
  });
}
