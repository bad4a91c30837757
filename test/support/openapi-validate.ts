import { spawnSync } from 'node:child_process';

const SCRIPT = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  const result = await new Validator().validate(JSON.parse(input));
  process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }));
});
`;

/**
 * Validates an OpenAPI document with @seriousme/openapi-schema-validator. That package is an ES
 * module, which jest's CommonJS runtime cannot load, so it runs in a child Node process.
 */
export function validateOpenApi(document: unknown): { valid: boolean; errors: unknown[] } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    input: JSON.stringify(document),
    encoding: 'utf8',
    timeout: 30_000,
    cwd: __dirname,
  });
  if (run.status !== 0) throw new Error(`validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { valid: boolean; errors: unknown[] };
}
